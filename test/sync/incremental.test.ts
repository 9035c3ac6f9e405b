/**
 * A sync reuses what did not change: no render at all when nothing the render depends
 * on changed, and only the edited service (and the services that call it) rendered after
 * a spec edit. These tests pin that the shortcuts give exactly what a full render gives.
 */
import { expect, it } from 'vitest';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { loadPlanFile } from '../../src/plan/load.js';
import { specPath as pipelineSpecPath } from '../../src/render/pipeline.js';
import { parseManifest, serializeManifest } from '../../src/sync/manifest.js';
import { specPath, syncRepo } from '../../src/sync/repo.js';
import { generatedExample, read, removeDir, snapshot, write } from './helpers.js';

const repo = generatedExample('shop', 'arch-sync-shop-');

const copy = repo.copy;

async function forgetShortcuts(dir: string): Promise<void> {
  const m = parseManifest(await read(dir, '.arch/manifest.json'));
  delete m.inputsHash;
  delete m.planKey;
  delete m.specHashes;
  await write(dir, '.arch/manifest.json', serializeManifest(m));
}

it('repo.specPath matches the pipeline\'s', () => {
  expect(specPath('orders')).toBe(pipelineSpecPath('orders'));
});

it('after a spec edit, reusing unchanged services gives the same repo as a full render', async () => {
  const fast = await copy();
  const full = await copy();
  try {
    for (const dir of [fast, full]) {
      const rel = 'services/catalog/openapi.yaml';
      const doc = parseDocument(await read(dir, rel));
      const paths = doc.get('paths') as { items: { key: { value: string } }[] };
      const first = paths.items[0]!.key.value;
      doc.setIn(['paths', `${first}/export`, 'get'], doc.createNode({ operationId: 'exportCatalog', summary: 'Export', responses: { '200': { description: 'OK', content: { 'application/json': { schema: { type: 'object' } } } } } }));
      await write(dir, rel, doc.toString({ lineWidth: 0 }));
    }
    await forgetShortcuts(full);
    const plan = await loadPlanFile(path.join(repo.template(), 'arch.plan.json'));
    const a = await syncRepo(fast, plan);
    const b = await syncRepo(full, plan);
    expect(a.report.files.filter((f) => f.action !== 'keep')).toEqual(b.report.files.filter((f) => f.action !== 'keep'));
    // Only catalog and the service that calls it (orders: its client) changed, plus system docs.
    const touched = a.report.files.filter((f) => f.action !== 'keep').map((f) => f.path);
    expect(touched.some((p) => p.startsWith('services/catalog/'))).toBe(true);
    expect(touched.filter((p) => p.startsWith('services/') && !/^services\/(catalog|orders)\//.test(p))).toEqual([]);
    const sa = await snapshot(fast);
    const sb = await snapshot(full);
    expect([...sa.keys()].sort()).toEqual([...sb.keys()].sort());
    for (const [p, v] of sa) expect(v.content, p).toBe(sb.get(p)!.content);
  } finally {
    await removeDir(fast);
    await removeDir(full);
  }
}, 120_000);

it('a no-op sync renders nothing and writes nothing; the same holds without the shortcuts', async () => {
  const dir = await copy();
  try {
    const before = await snapshot(dir);
    const plan = await loadPlanFile(path.join(dir, 'arch.plan.json'));
    const started = performance.now();
    const r = await syncRepo(dir, plan);
    const ms = performance.now() - started;
    expect(r.report.written).toBe(0);
    expect(await snapshot(dir)).toEqual(before);
    await forgetShortcuts(dir);
    const slow = performance.now();
    const r2 = await syncRepo(dir, plan);
    const slowMs = performance.now() - slow;
    expect(r2.report.changed).toBe(0);
    expect(r2.report.written).toBe(1); // a manifest without records gets them, once
    const r3 = await syncRepo(dir, plan);
    expect(r3.report.written).toBe(0);
    console.log(`shop no-op sync: ${Math.round(ms)} ms with the shortcuts, ${Math.round(slowMs)} ms with a full render`);
  } finally {
    await removeDir(dir);
  }
}, 120_000);
