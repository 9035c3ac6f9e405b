import { copyFile, cp, mkdtemp, readdir, readFile, rm, stat, writeFile, mkdir, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { loadPlanFile } from '../../src/plan/load.js';
import type { Owner, RenderedFile, RenderedTree } from '../../src/render/tree.js';
import { syncRepo } from '../../src/sync/repo.js';
import { syncTree, type SyncOptions, type SyncReport } from '../../src/sync/engine.js';

export type FileInput = string | { content: string; owner?: Owner; generator?: string; mode?: number };

export function tree(files: Record<string, FileInput>): RenderedTree {
  const t: RenderedTree = new Map();
  for (const [p, f] of Object.entries(files)) {
    const spec = typeof f === 'string' ? { content: f } : f;
    const file: RenderedFile = { path: p, content: spec.content, owner: spec.owner ?? 'generated', generator: spec.generator ?? 'test' };
    if (spec.mode !== undefined) file.mode = spec.mode;
    t.set(p, file);
  }
  return t;
}

export const OPTS: SyncOptions = { generatorVersion: '0.0.0-test', planHash: 'plan-hash' };

export function sync(dir: string, t: RenderedTree, extra: Partial<SyncOptions> = {}): Promise<SyncReport> {
  return syncTree(dir, t, { ...OPTS, ...extra });
}

export async function tempDir(prefix = 'arch-sync-'): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export async function read(dir: string, rel: string): Promise<string> {
  return readFile(path.join(dir, rel), 'utf8');
}

export async function write(dir: string, rel: string, content: string): Promise<void> {
  await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
  await writeFile(path.join(dir, rel), content, 'utf8');
}

export async function remove(dir: string, rel: string): Promise<void> {
  await unlink(path.join(dir, rel));
}

export async function exists(dir: string, rel: string): Promise<boolean> {
  return stat(path.join(dir, rel)).then(
    () => true,
    () => false,
  );
}

/** Every file under dir (POSIX relative paths) with its content and mtime, for "nothing changed" checks. */
export async function snapshot(dir: string): Promise<Map<string, { content: string; mtimeMs: number }>> {
  const out = new Map<string, { content: string; mtimeMs: number }>();
  async function walk(rel: string): Promise<void> {
    for (const ent of await readdir(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${ent.name}` : ent.name;
      if (ent.isDirectory()) await walk(child);
      else {
        const abs = path.join(dir, child);
        out.set(child, { content: await readFile(abs, 'utf8'), mtimeMs: (await stat(abs)).mtimeMs });
      }
    }
  }
  await walk('');
  return out;
}

export function actions(report: SyncReport): Record<string, string> {
  return Object.fromEntries(report.files.map((f) => [f.path, f.action]));
}

/**
 * Generates a bundled example into a temp folder once per test file (beforeAll) and
 * hands out fresh copies of it, so each test starts from a freshly generated repo
 * without paying for a render.
 */
export function generatedExample(example: 'minimal' | 'shop', prefix: string): { template: () => string; copy: () => Promise<string> } {
  let template = '';
  beforeAll(async () => {
    template = await tempDir(prefix);
    await copyFile(path.resolve(`examples/${example}.json`), path.join(template, 'arch.plan.json'));
    await syncRepo(template, await loadPlanFile(path.join(template, 'arch.plan.json')));
  }, 120_000);
  afterAll(async () => removeDir(template));
  return {
    template: () => template,
    async copy() {
      const dir = await tempDir();
      await cp(template, dir, { recursive: true });
      return dir;
    },
  };
}
