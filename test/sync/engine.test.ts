import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseManifest, hashContent } from '../../src/sync/manifest.js';
import { CliError } from '../../src/errors.js';
import { actions, exists, read, remove, removeDir, snapshot, sync, tempDir, tree, write } from './helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

const V1 = {
  'README.md': '# Title\n\nintro\n\nfooter\n',
  'services/a/src/server.ts': 'export const port = 3000;\n',
  'services/a/run.sh': { content: '#!/bin/sh\necho hi\n', mode: 0o755 },
};

describe('first generation (sync into an empty folder)', () => {
  it('writes every file, its base and the manifest; leaves no temp files or journal', async () => {
    const report = await sync(dir, tree(V1));
    expect(report.counts.create).toBe(3);
    expect(report.changed).toBe(3);
    expect(report.conflicts).toEqual([]);
    expect(await read(dir, 'README.md')).toBe(V1['README.md']);
    expect(await read(dir, '.arch/base/services/a/src/server.ts')).toBe('export const port = 3000;\n');
    expect((await stat(path.join(dir, 'services/a/run.sh'))).mode & 0o777).toBe(0o755);
    const manifest = parseManifest(await read(dir, '.arch/manifest.json'));
    expect(manifest.generatorVersion).toBe('0.0.0-test');
    expect(manifest.planHash).toBe('plan-hash');
    expect(Object.keys(manifest.files)).toEqual(['README.md', 'services/a/run.sh', 'services/a/src/server.ts']);
    expect(manifest.files['README.md']).toEqual({ owner: 'generated', generator: 'test', hash: hashContent(V1['README.md']) });
    expect(manifest.files['services/a/run.sh']!.mode).toBe(0o755);
    expect(await exists(dir, '.arch/tmp')).toBe(false);
    expect(await exists(dir, '.arch/sync-in-progress')).toBe(false);
  });

  it('is deterministic: two fresh folders get identical bytes', async () => {
    const other = await tempDir();
    try {
      await sync(dir, tree(V1));
      await sync(other, tree(V1));
      const a = await snapshot(dir);
      const b = await snapshot(other);
      expect([...a.keys()]).toEqual([...b.keys()]);
      for (const [p, v] of a) expect(b.get(p)!.content).toBe(v.content);
    } finally {
      await removeDir(other);
    }
  });

  it('dry-run and check report creates with diffs and write nothing', async () => {
    for (const flag of [{ dryRun: true }, { check: true }]) {
      const report = await sync(dir, tree(V1), flag);
      expect(report.changed).toBe(3);
      expect(report.written).toBe(0);
      expect(report.files.find((f) => f.path === 'README.md')!.diff).toContain('+# Title');
      expect((await snapshot(dir)).size).toBe(0);
    }
  });

  it('refuses paths outside the folder or inside .arch/', async () => {
    await expect(sync(dir, tree({ '../evil': 'x' }))).rejects.toThrow(/outside the target/);
    await expect(sync(dir, tree({ '.arch/manifest.json': 'x' }))).rejects.toThrow(/own files/);
    await expect(sync(dir, tree({ '.arch/base/x': 'x' }))).rejects.toThrow(/own files/);
    expect((await snapshot(dir)).size).toBe(0);
  });
});

describe('later syncs', () => {
  it('a second sync with the same render writes nothing: no bytes, no mtimes', async () => {
    await sync(dir, tree(V1));
    const before = await snapshot(dir);
    await new Promise((r) => setTimeout(r, 20));
    const report = await sync(dir, tree(V1));
    expect(report.written).toBe(0);
    expect(report.changed).toBe(0);
    expect(report.counts.keep).toBe(3);
    expect(await snapshot(dir)).toEqual(before);
  });

  it.each([
    ['untouched file is replaced', 'intro v2\n', undefined, 'update', '# Title\n\nintro v2\n\nfooter\n'],
    ['edited file whose render did not change is kept', undefined, 'mine\n', 'keep', '# Title\n\nintro\n\nfooter\nmine\n'],
    ['both changed, different lines: diff3 merge', 'intro v2\n', 'mine\n', 'merge', '# Title\n\nintro v2\n\nfooter\nmine\n'],
  ])('%s', async (_name, renderChange, userAppend, action, expected) => {
    await sync(dir, tree(V1));
    if (userAppend) await write(dir, 'README.md', V1['README.md'] + userAppend);
    const next = renderChange ? { ...V1, 'README.md': V1['README.md'].replace('intro\n', renderChange) } : V1;
    const report = await sync(dir, tree(next));
    expect(actions(report)['README.md']).toBe(action);
    expect(await read(dir, 'README.md')).toBe(expected);
  });

  it('both changed the same line: conflict markers, listed, everything else still updated', async () => {
    await sync(dir, tree(V1));
    await write(dir, 'README.md', '# Title\n\nintro by me\n\nfooter\n');
    const report = await sync(dir, tree({ ...V1, 'README.md': '# Title\n\nintro v2\n\nfooter\n', 'services/a/src/server.ts': 'export const port = 3001;\n' }));
    expect(report.conflicts).toEqual(['README.md']);
    expect(await read(dir, 'README.md')).toBe('# Title\n\n<<<<<<< yours\nintro by me\n=======\nintro v2\n>>>>>>> generated\n\nfooter\n');
    expect(await read(dir, 'services/a/src/server.ts')).toBe('export const port = 3001;\n');
    // Still reported until resolved, and never merged into again.
    const again = await sync(dir, tree({ ...V1, 'README.md': '# Title\n\nintro v3\n\nfooter\n' }));
    expect(again.conflicts).toEqual(['README.md']);
    expect(await read(dir, 'README.md')).toContain('intro by me');
    // Resolved by the user: the next sync merges against the last clean base.
    await write(dir, 'README.md', '# Title\n\nintro by me\n\nfooter\n');
    const resolved = await sync(dir, tree({ ...V1, 'README.md': '# Title\n\nintro v2\n\nfooter\nnew line\n' }));
    expect(resolved.conflicts).toEqual([]);
    expect(await read(dir, 'README.md')).toBe('# Title\n\nintro by me\n\nfooter\nnew line\n');
  });

  it('stale files: deleted when unchanged, reported when edited', async () => {
    await sync(dir, tree({ ...V1, 'services/b/x.ts': 'x\n', 'services/b/y.ts': 'y\n' }));
    await write(dir, 'services/b/y.ts', 'y edited\n');
    const report = await sync(dir, tree(V1));
    expect(actions(report)['services/b/x.ts']).toBe('delete');
    expect(actions(report)['services/b/y.ts']).toBe('report');
    expect(await exists(dir, 'services/b/x.ts')).toBe(false);
    expect(await read(dir, 'services/b/y.ts')).toBe('y edited\n');
    expect(await exists(dir, '.arch/base/services/b')).toBe(false);
    const manifest = parseManifest(await read(dir, '.arch/manifest.json'));
    expect(manifest.files['services/b/y.ts']).toBeUndefined();
    // A stale folder emptied by the delete goes too.
    await sync(dir, tree({ ...V1, 'services/c/z.ts': 'z\n' }));
    await sync(dir, tree(V1));
    expect(await exists(dir, 'services/c')).toBe(false);
  });

  it('a generated file the user deleted stays deleted unless --restore', async () => {
    await sync(dir, tree(V1));
    await remove(dir, 'README.md');
    const r1 = await sync(dir, tree(V1));
    expect(actions(r1)['README.md']).toBe('skip');
    expect(parseManifest(await read(dir, '.arch/manifest.json')).files['README.md']!.deleted).toBe(true);
    const r2 = await sync(dir, tree({ ...V1, 'README.md': 'changed render\n' }));
    expect(actions(r2)['README.md']).toBe('skip');
    expect(r2.changed).toBe(0);
    expect(await exists(dir, 'README.md')).toBe(false);
    const r3 = await sync(dir, tree(V1), { restore: true });
    expect(actions(r3)['README.md']).toBe('create');
    expect(await read(dir, 'README.md')).toBe(V1['README.md']);
    expect(parseManifest(await read(dir, '.arch/manifest.json')).files['README.md']!.deleted).toBeUndefined();
  });

  it('check: 1-worthy before a sync, clean after', async () => {
    await sync(dir, tree(V1));
    const next = { ...V1, 'README.md': 'v2\n' };
    expect((await sync(dir, tree(next), { check: true })).changed).toBe(1);
    await sync(dir, tree(next));
    expect((await sync(dir, tree(next), { check: true })).changed).toBe(0);
  });

  it('adopts an identical file that was already there, merges a different one', async () => {
    await write(dir, 'README.md', V1['README.md']);
    await write(dir, 'services/a/src/server.ts', 'export const port = 1;\n');
    const report = await sync(dir, tree(V1));
    expect(actions(report)['README.md']).toBe('keep');
    expect(actions(report)['services/a/src/server.ts']).toBe('conflict');
    expect(await read(dir, 'services/a/src/server.ts')).toContain('export const port = 1;');
  });
});

it('CRLF checkouts (git autocrlf) are the same text: updated, merged and deleted like LF ones, written back with CRLF', async () => {
  const v1 = { 'a.txt': 'one\ntwo\n', 'b.txt': 'x\ny\n', 'c.txt': 'gone\n' };
  await sync(dir, tree(v1));
  await write(dir, 'a.txt', 'one\r\ntwo\r\n');
  await write(dir, 'b.txt', 'mine\r\nx\r\ny\r\n');
  await write(dir, 'c.txt', 'gone\r\n');
  const report = await sync(dir, tree({ 'a.txt': 'one\ntwo\nthree\n', 'b.txt': 'x\ny\nz\n' }));
  expect(actions(report)).toEqual({ 'a.txt': 'update', 'b.txt': 'merge', 'c.txt': 'delete' });
  expect(await read(dir, 'a.txt')).toBe('one\r\ntwo\r\nthree\r\n');
  expect(await read(dir, 'b.txt')).toBe('mine\r\nx\r\ny\r\nz\r\n');
});

describe('crash safety', () => {
  it('refuses to run while another live process holds the journal; takes over from a dead one', async () => {
    await sync(dir, tree(V1));
    await write(dir, '.arch/sync-in-progress', `pid ${process.ppid}\n`);
    await expect(sync(dir, tree({ ...V1, 'README.md': 'v2\n' }))).rejects.toThrow(/another sync/);
    expect(await read(dir, 'README.md')).toBe(V1['README.md']);
    await write(dir, '.arch/sync-in-progress', 'pid 999999999\n');
    const report = await sync(dir, tree({ ...V1, 'README.md': 'v2\n' }));
    expect(report.recovered).toBe(true);
    expect(await read(dir, 'README.md')).toBe('v2\n');
  });

  it('a sync killed after some writes converges when run again', async () => {
    const v1 = { ...V1, 'a.txt': 'a1\n', 'b.txt': 'b1\n', 'c.txt': 'c1\n', 'old.txt': 'old\n' };
    await sync(dir, tree(v1));
    await write(dir, 'b.txt', 'mine\nb1\n');
    const v2 = { ...V1, 'a.txt': 'a2\n', 'b.txt': 'b1\nb2\n', 'c.txt': 'c2\n', 'd.txt': 'd\n' };
    let n = 0;
    await expect(
      sync(dir, tree(v2), {
        onWrite: () => {
          if (++n === 2) throw new Error('killed');
        },
      }),
    ).rejects.toThrow('killed');
    expect(await exists(dir, '.arch/sync-in-progress')).toBe(true);
    const report = await sync(dir, tree(v2));
    expect(report.recovered).toBe(true);
    expect(await read(dir, 'a.txt')).toBe('a2\n');
    expect(await read(dir, 'b.txt')).toBe('mine\nb1\nb2\n');
    expect(await read(dir, 'c.txt')).toBe('c2\n');
    expect(await read(dir, 'd.txt')).toBe('d\n');
    expect(await exists(dir, 'old.txt')).toBe(false);
    expect(await exists(dir, '.arch/sync-in-progress')).toBe(false);
    expect(await exists(dir, '.arch/tmp')).toBe(false);
    const final = await snapshot(dir);
    const fresh = await sync(dir, tree(v2));
    expect(fresh.written).toBe(0);
    expect(await snapshot(dir)).toEqual(final);
  });

  it('every crash point converges to the same repo as an uninterrupted sync', async () => {
    const v1 = { 'a.txt': 'a1\n', 'b.txt': 'b1\n', 'gone.txt': 'g\n' };
    const v2 = { 'a.txt': 'a2\n', 'b.txt': 'x\nb1\n', 'new.txt': 'n\n' };
    const reference = await tempDir();
    try {
      await sync(reference, tree(v1));
      await sync(reference, tree(v2));
      const want = await snapshot(reference);
      for (let crashAt = 1; crashAt <= 3; crashAt++) {
        await removeDir(dir);
        await sync(dir, tree(v1));
        let n = 0;
        await sync(dir, tree(v2), { onWrite: () => { if (++n === crashAt) throw new Error('killed'); } }).catch(() => undefined);
        await sync(dir, tree(v2));
        const got = await snapshot(dir);
        expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
        for (const [p, v] of want) expect(got.get(p)!.content, `${p} after crash at write ${crashAt}`).toBe(v.content);
      }
    } finally {
      await removeDir(reference);
    }
  });
});

it.each([
  ['not JSON', '{ nope', /not valid JSON/],
  ['wrong version', JSON.stringify({ manifestVersion: 99, files: {} }), /unsupported manifestVersion 99/],
  ['malformed entry', JSON.stringify({ manifestVersion: 1, files: { 'a.txt': { owner: 'nobody' } } }), /entry "a.txt" is malformed/],
])('a broken manifest (%s) is an input error naming the file, nothing written', async (_n, text, message) => {
  await write(dir, '.arch/manifest.json', text);
  const err = await sync(dir, tree(V1)).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(CliError);
  expect((err as CliError).exitCode).toBe(2);
  expect((err as Error).message).toMatch(message);
  expect((err as Error).message).toContain('manifest.json');
  expect(await exists(dir, 'README.md')).toBe(false);
});

it('a folder where a file is generated is a clear error', async () => {
  await sync(dir, tree(V1));
  await remove(dir, 'README.md');
  await write(dir, 'README.md/inner.txt', 'x');
  const err = await sync(dir, tree({ ...V1, 'README.md': 'v2\n' })).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(CliError);
  expect((err as Error).message).toMatch(/README\.md is a directory/);
});

it('manifest is stable JSON with sorted paths', async () => {
  await sync(dir, tree({ 'z.txt': 'z\n', 'a.txt': 'a\n' }));
  const text = await readFile(path.join(dir, '.arch/manifest.json'), 'utf8');
  expect(text.indexOf('"a.txt"')).toBeLessThan(text.indexOf('"z.txt"'));
  expect(text.endsWith('}\n')).toBe(true);
});
