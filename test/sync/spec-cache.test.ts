/**
 * The parsed-spec cache (.arch/cache/openapi): a sync gives the same repo whether each
 * entry is intact, corrupt, stale or gone; entries are keyed by the exact spec text; a
 * document JSON cannot carry is not cached; dry runs write no cache.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { loadPlanFile } from '../../src/plan/load.js';
import { syncRepo } from '../../src/sync/repo.js';
import { loadSpecCache, SPEC_CACHE_DIR } from '../../src/sync/spec-cache.js';
import { exists, generatedExample, read, removeDir, snapshot, tempDir, write } from './helpers.js';

const CATALOG = 'services/catalog/openapi.yaml';
const CATALOG_ENTRY = `${SPEC_CACHE_DIR}/catalog.json`;
const ORDERS_ENTRY = `${SPEC_CACHE_DIR}/orders.json`;

const repo = generatedExample('shop', 'arch-spec-cache-');

const copy = repo.copy;

async function addOperation(dir: string): Promise<void> {
  const doc = parseDocument(await read(dir, CATALOG));
  doc.setIn(['paths', '/v1/cache-probe', 'get'], doc.createNode({ operationId: 'cacheProbe', responses: { '200': { description: 'OK' } } }));
  await write(dir, CATALOG, doc.toString({ lineWidth: 0 }));
}

/** Everything but the cache itself, which may differ (that is the point of the cases). */
async function repoSnapshot(dir: string): Promise<Map<string, string>> {
  const all = await snapshot(dir);
  return new Map([...all].filter(([p]) => !p.startsWith('.arch/cache/')).map(([p, v]) => [p, v.content]));
}

it('a sync writes one entry per spec and keeps the folder out of git', async () => {
  expect((await readdir(path.join(repo.template(), ...SPEC_CACHE_DIR.split('/')))).sort()).toEqual(['catalog.json', 'notifications.json', 'orders.json', 'payments.json']);
  expect(await read(repo.template(), '.arch/cache/.gitignore')).toBe('*\n');
});

describe('after a spec edit the repo is the same whatever state the cache is in', () => {
  let expected: Map<string, string>;
  beforeAll(async () => {
    const dir = await copy();
    try {
      await addOperation(dir);
      await rm(path.join(dir, '.arch', 'cache'), { recursive: true });
      await syncRepo(dir, await loadPlanFile(path.join(dir, 'arch.plan.json')));
      expected = await repoSnapshot(dir);
    } finally {
      await removeDir(dir);
    }
  }, 120_000);

  const cases: [string, (dir: string) => Promise<void>][] = [
    ['intact', async () => {}],
    ['corrupt', async (dir) => write(dir, ORDERS_ENTRY, '{"key":"tru')],
    ['stale key, bogus document', async (dir) => write(dir, ORDERS_ENTRY, JSON.stringify({ key: 'stale', document: { openapi: '3.1.0', paths: {} } }))],
    ['entry of the other text', async (dir) => write(dir, CATALOG_ENTRY, await read(dir, ORDERS_ENTRY))],
    ['deleted', async (dir) => rm(path.join(dir, '.arch', 'cache'), { recursive: true })],
  ];
  it.each(cases)('%s', async (_name, damage) => {
    const dir = await copy();
    try {
      await addOperation(dir);
      await damage(dir);
      const r = await syncRepo(dir, await loadPlanFile(path.join(dir, 'arch.plan.json')));
      expect(r.report.conflicts).toEqual([]);
      expect(await repoSnapshot(dir)).toEqual(expected);
      // Repaired: every entry holds its spec as parsed now.
      for (const s of ['catalog', 'notifications', 'orders', 'payments']) {
        const entry = JSON.parse(await read(dir, `${SPEC_CACHE_DIR}/${s}.json`)) as { document: unknown };
        expect(entry.document, s).toEqual(parseDocument(await read(dir, `services/${s}/openapi.yaml`)).toJS());
      }
    } finally {
      await removeDir(dir);
    }
  }, 120_000);
});

describe('loadSpecCache', () => {
  const table: [string, string, boolean][] = [
    ['a plain document', 'openapi: 3.1.0\ninfo: { title: t, version: "1" }\npaths: {}\n', true],
    ['NaN (JSON has none)', 'openapi: 3.1.0\nx-n: .nan\npaths: {}\n', false],
    ['-0 (JSON has none)', 'openapi: 3.1.0\nx-n: -0.0\npaths: {}\n', false],
    ['an alias cycle', 'openapi: 3.1.0\nx-loop: &a [*a]\npaths: {}\n', false],
  ];
  it.each(table)('%s: parsed, cached = %s, and read back equal', async (_name, text, cached) => {
    const dir = await tempDir();
    try {
      const first = await loadSpecCache(dir, new Map([['svc', text]]), 'k');
      expect(first.parsed.get('svc')?.yaml).toBeDefined();
      await first.save();
      expect(await exists(dir, `${SPEC_CACHE_DIR}/svc.json`)).toBe(cached);
      const second = await loadSpecCache(dir, new Map([['svc', text]]), 'k');
      expect(second.parsed.get('svc')?.yaml === undefined).toBe(cached); // from the cache: no yaml Document
      if (cached) expect(second.parsed.get('svc')!.value).toEqual(first.parsed.get('svc')!.value);
      // Another key or another text: parsed again.
      expect((await loadSpecCache(dir, new Map([['svc', text]]), 'k2')).parsed.get('svc')?.yaml).toBeDefined();
      expect((await loadSpecCache(dir, new Map([['svc', `${text}# edited\n`]]), 'k')).parsed.get('svc')?.yaml).toBeDefined();
    } finally {
      await removeDir(dir);
    }
  });

  it('leaves out a spec that does not parse (readServiceApi reports it with its line)', async () => {
    const dir = await tempDir();
    try {
      const c = await loadSpecCache(dir, new Map([['bad', 'openapi: [3.1.0\n']]), 'k');
      expect(c.parsed.has('bad')).toBe(false);
      await c.save();
      expect(await exists(dir, SPEC_CACHE_DIR)).toBe(false);
    } finally {
      await removeDir(dir);
    }
  });
});

it('a dry run writes no cache', async () => {
  const dir = await copy();
  try {
    await addOperation(dir);
    await rm(path.join(dir, '.arch', 'cache'), { recursive: true });
    const r = await syncRepo(dir, await loadPlanFile(path.join(dir, 'arch.plan.json')), { dryRun: true });
    expect(r.report.written).toBe(0);
    expect(await exists(dir, '.arch/cache')).toBe(false);
  } finally {
    await removeDir(dir);
  }
}, 120_000);
