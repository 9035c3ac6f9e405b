/**
 * createRepo: a new repo from a plan. Validate and render everything in memory first;
 * only then does the sync engine write (first generation is a sync against an empty
 * folder), so bad input never leaves a half-written folder behind.
 */
import { spawn } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { CliError, UsageError } from './errors.js';
import type { Plan } from './plan/schema.js';
import { syncRepo } from './sync/repo.js';

export interface CreateOptions {
  force: boolean;
  install: boolean;
  /** Where progress goes; stderr by default so stdout stays clean for scripts. */
  log?: (line: string) => void;
}

async function assertUsableTarget(dir: string, force: boolean): Promise<void> {
  let info;
  try {
    info = await stat(dir);
  } catch {
    return; // does not exist yet: fine
  }
  if (!info.isDirectory()) throw new UsageError(`${dir} exists and is not a folder`);
  const entries = (await readdir(dir)).filter((e) => e !== '.git');
  if (entries.length > 0 && !force) throw new UsageError(`${dir} is not empty (${entries.length} entries); use --force to generate into it anyway, or \`create-arch-service sync\` to update a generated repo`);
}

export async function createRepo(dir: string, plan: Plan, opts: CreateOptions): Promise<void> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const target = path.resolve(dir);
  await assertUsableTarget(target, opts.force);
  const started = performance.now();
  // First generation is a sync against an empty folder: the same engine, the same manifest.
  const { report, plan: normalized } = await syncRepo(target, plan);
  const written = report.files.filter((f) => f.action === 'create').length;
  log(`created ${dir}: ${normalized.services.length} service(s), ${written} file(s) in ${Math.round(performance.now() - started)} ms`);
  if (report.conflicts.length) throw new CliError(`conflicts in: ${report.conflicts.join(', ')}`);
  if (opts.install) {
    log('installing dependencies (npm install)...');
    await runNpmInstall(target);
  }
  log('');
  log('next steps:');
  log(`  cd ${dir}`);
  if (!opts.install) log('  npm install');
  log('  npm run build && npm test');
  log('  npm start            # every service on 127.0.0.1');
  log('  docker compose up    # the whole system with its infrastructure');
}

function runNpmInstall(cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // Visible progress: npm's own output goes straight to the terminal (stderr, so stdout stays machine-readable).
    const child = spawn('npm', ['install', '--no-audit', '--no-fund'], { cwd, stdio: ['ignore', process.stderr, process.stderr] });
    child.on('error', (err) => reject(new CliError(`could not run npm install: ${err.message}`)));
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new CliError(`npm install failed in ${cwd} (exit ${code}); the files are written, fix the problem and run npm install there`)),
    );
  });
}
