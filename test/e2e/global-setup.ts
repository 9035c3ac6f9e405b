/**
 * One generated repo per example, generated through the real CLI (bin/, compiled dist/),
 * installed once and built once, shared by every end-to-end test file (installing is
 * the expensive part: about a minute per repo). Paths reach the tests through `inject`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const EXAMPLES = ['minimal', 'shop'] as const;

export interface StepResult {
  ok: boolean;
  ms: number;
  output: string;
}

async function step(cmd: string, args: string[], cwd: string): Promise<StepResult> {
  const started = Date.now();
  try {
    const { stdout, stderr } = await run(cmd, args, { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, CI: 'true' } });
    return { ok: true, ms: Date.now() - started, output: `${stdout}\n${stderr}` };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    return { ok: false, ms: Date.now() - started, output: `${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}` };
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    e2eRoot: string;
    e2eSetup: Record<string, { generate: StepResult; build: StepResult }>;
  }
}

export default async function setup(project: TestProject) {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'cas-e2e-'));
  const results: Record<string, { generate: StepResult; build: StepResult }> = {};
  // Generate and install both repos concurrently: npm install waits mostly on I/O.
  await Promise.all(
    EXAMPLES.map(async (name) => {
      const generate = await step(process.execPath, [path.join(root, 'bin/create-arch-service.js'), path.join(tmp, name), '--example', name, '--yes'], tmp);
      const build = generate.ok ? await step('npm', ['run', 'build'], path.join(tmp, name)) : { ok: false, ms: 0, output: 'not run: generation failed' };
      results[name] = { generate, build };
    }),
  );
  writeFileSync(path.join(tmp, 'setup.json'), JSON.stringify(results, null, 2));
  project.provide('e2eRoot', tmp);
  project.provide('e2eSetup', results);
  return () => {
    if (!process.env.KEEP_E2E) rmSync(tmp, { recursive: true, force: true });
  };
}
