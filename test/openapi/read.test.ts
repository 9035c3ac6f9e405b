import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { normalizePlan, type NormalizedService } from '../../src/plan/normalize.js';
import { readServiceApi } from '../../src/openapi/read.js';
import { specFromPlan } from '../../src/openapi/from-plan.js';
import type { ServiceApi } from '../../src/openapi/model.js';
import { corpus, root } from './corpus.js';
import { mountApi, sampleUrl } from './fastify-harness.js';

const minimal = normalizePlan(JSON.parse(readFileSync(path.join(root, 'examples/minimal.json'), 'utf8')));
const service: NormalizedService = minimal.services[0]!;
const { docs } = corpus();
const timings: string[] = [];
afterAll(() => {
  if (timings.length) console.log(`[openapi read timings]\n${timings.join('\n')}`);
});

describe('readServiceApi over the corpus', () => {
  it.each(docs.map((d) => [d.name, d] as const))('%s: reads, registers every route in Fastify 5, and each route answers its own request', async (name, d) => {
    const t0 = performance.now();
    const api = readServiceApi(d.text, d.name, service);
    const tRead = performance.now() - t0;
    const app = await mountApi(api);
    const tMount = performance.now() - t0 - tRead;
    try {
      for (const op of api.operations) {
        const res = await app.inject({ method: op.method.toUpperCase() as 'GET', url: sampleUrl(op) });
        expect.soft(res.statusCode, `${op.method} ${op.path} -> ${sampleUrl(op)}`).not.toBe(404);
        expect.soft(res.headers['x-handler'], `${op.method} ${op.path}`).toBe(op.handlerName);
      }
    } finally {
      await app.close();
    }
    timings.push(`${name}: ${api.operations.length} operations, read ${tRead.toFixed(0)} ms, Fastify register+compile ${tMount.toFixed(0)} ms, ${api.warnings.length} warnings`);
    const ids = api.operations.map((o) => o.handlerName);
    expect(new Set(ids.map((i) => i.toLowerCase())).size).toBe(ids.length);
    for (const op of api.operations) {
      expect(op.handlerName).toMatch(/^[a-z][A-Za-z0-9]*$/);
      expect(op.group).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(op.group.length).toBeLessThanOrEqual(60);
    }
    const sorted = [...api.operations].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.method < b.method ? -1 : a.method > b.method ? 1 : 0));
    expect(api.operations).toEqual(sorted);
  });
});
