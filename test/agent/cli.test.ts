/**
 * The built CLI (bin/create-arch-service.js -> dist/) against the fake Messages API, with
 * ANTHROPIC_BASE_URL as a user would set it: `plan` writes a plan that `validate` accepts
 * and that generates the same repo as the bundled example it describes.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeMessagesApi } from './fake-api.js';
import { answer, fixture, tempDir } from './helpers.js';

const exec = promisify(execFile);
const ROOT = path.join(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/create-arch-service.js');

let api: FakeMessagesApi;
let tmp: ReturnType<typeof tempDir>;

beforeAll(async () => {
  // `npm test` builds first; a bare `vitest run` of this file builds here.
  if (!existsSync(path.join(ROOT, 'dist/src/cli/commands/plan.js'))) await exec('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT }).catch(() => undefined);
  api = await new FakeMessagesApi().start();
  tmp = tempDir();
}, 180_000);

afterAll(async () => {
  await api?.close();
  tmp?.remove();
});

async function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const base: Record<string, string | undefined> = { ...process.env, ANTHROPIC_API_KEY: 'sk-ant-test-dummy', ANTHROPIC_AUTH_TOKEN: undefined, ANTHROPIC_BASE_URL: api.url, ...env };
  const childEnv = Object.fromEntries(Object.entries(base).filter(([, v]) => v !== undefined)) as Record<string, string>;
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, ...args], { cwd: tmp.dir, env: childEnv });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function tree(dir: string, skip: (rel: string) => boolean): Map<string, string> {
  const out = new Map<string, string>();
  for (const rel of readdirSync(dir, { recursive: true }).map(String).sort()) {
    const abs = path.join(dir, rel);
    if (skip(rel) || !statSync(abs).isFile()) continue;
    out.set(rel, readFileSync(abs, 'utf8'));
  }
  return out;
}

describe('create-arch-service plan (built CLI)', () => {
  it('writes a plan that validate accepts and that generates the same repo as the example it describes', async () => {
    api.reply({ kind: 'sse', raw: fixture('notes.stream.sse') });
    const planRun = await cli(['plan', 'A small service that stores text notes for one team.', '--out', 'p.json']);
    expect(planRun.stderr).toContain('designing the plan with claude-sonnet-5-5');
    expect(planRun.code).toBe(0);
    expect(planRun.stdout).toContain('wrote p.json');

    const validate = await cli(['validate', 'p.json']);
    expect(validate.code).toBe(0);
    expect(validate.stdout).toContain('valid plan "notes" with 1 service(s), 5 operation(s)');

    const fromAgent = await cli(['from-agent', '--plan', 'p.json', '--no-install', '--yes']);
    expect(fromAgent.code, fromAgent.stderr).toBe(0);
    const fromExample = await cli(['from-example', '--example', 'minimal', '--no-install', '--yes']);
    expect(fromExample.code, fromExample.stderr).toBe(0);

    // The plan files differ (provenance, $schema) and so does the manifest's plan hash; every
    // generated file is identical, so the example's build and boot tests (e2e) cover this repo.
    const skip = (rel: string) => rel === 'arch.plan.json' || rel.startsWith('.arch');
    const a = tree(path.join(tmp.dir, 'from-agent'), skip);
    const b = tree(path.join(tmp.dir, 'from-example'), skip);
    expect([...a.keys()]).toEqual([...b.keys()]);
    expect(a.size).toBeGreaterThan(10);
    // ARCHITECTURE.md also says where the plan came from.
    const docs = a.get('docs/ARCHITECTURE.md')!;
    expect(docs).toMatch(/## Provenance of the plan\n\nWritten by create-arch-service .* with model `claude-sonnet-5-5` \(SDK `@anthropic-ai\/sdk 1\.10\.0`\)/);
    a.set('docs/ARCHITECTURE.md', docs.replace(/## Provenance of the plan\n[\s\S]*$/, '').replace(/\n+$/, '\n'));
    for (const [rel, text] of a) expect(text, rel).toBe(b.get(rel));
  }, 120_000);

  it('exits 2 without a key and writes nothing', async () => {
    const run = await cli(['plan', 'Anything at all.', '--out', 'nokey.json'], { ANTHROPIC_API_KEY: undefined });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('ANTHROPIC_API_KEY is not set');
    expect(run.stderr).toContain('--example');
    expect(existsSync(path.join(tmp.dir, 'nokey.json'))).toBe(false);
  });

  it('exits 1 at the repair limit and writes nothing', async () => {
    api.reply({ kind: 'message', answer: answer('notes-schema-errors') }, { kind: 'message', answer: answer('notes-schema-errors') });
    const run = await cli(['plan', 'Notes.', '--out', 'bad.json', '--max-repairs', '1']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('still invalid after 1 repair round');
    expect(existsSync(path.join(tmp.dir, 'bad.json'))).toBe(false);
  });
});
