/**
 * Property test: whatever path templates, operationIds and tags a document carries,
 * readServiceApi either rejects it with an InputError or returns operations whose
 * handler names are unique identifiers, whose groups are safe file names, and whose
 * routes all register in Fastify 5 and each answer a request built from the template.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { normalizePlan } from '../../src/plan/normalize.js';
import { readServiceApi } from '../../src/openapi/read.js';
import { root } from './corpus.js';
import { parsePath, routePath } from '../../src/openapi/route-url.js';
import { mountApi, sampleUrl } from './fastify-harness.js';

/** Whether a request URL (as sampleUrl encodes it) matches a path template. */
function templateMatches(template: string, url: string): boolean {
  const pieces = parsePath(routePath(template)) ?? [];
  const re = pieces.map((p) => (p.kind === 'static' ? encodeURI(p.text).replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : '[^/]+')).join('');
  return new RegExp(`^${re}$`).test(url);
}

const service = normalizePlan(JSON.parse(readFileSync(path.join(root, 'examples/minimal.json'), 'utf8'))).services[0]!;
const chars = fc.constantFrom(...'ab_-.:~()%@!$&+,;=* é日'.split(''), '{id}', '{x-y}', '{a.b}', '{', '}', '/', '..', '?q=1');
const segment = fc.array(chars, { minLength: 1, maxLength: 4 }).map((c) => c.join(''));
const pathArb = fc.array(segment, { minLength: 0, maxLength: 4 }).map((s) => `/${s.join('/')}`);
const text = fc.string({ maxLength: 12 });

describe('readServiceApi on arbitrary paths, ids and tags', () => {
  it('rejects cleanly or routes every operation it returns', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.record({ path: pathArb, method: fc.constantFrom('get', 'post', 'delete', 'head'), id: fc.option(text), tag: fc.option(text) }), { maxLength: 6, selector: (o) => `${o.method} ${o.path}` }),
        async (ops) => {
          const paths: Record<string, Record<string, unknown>> = {};
          for (const o of ops) {
            (paths[o.path] ??= {})[o.method] = { ...(o.id !== null ? { operationId: o.id } : {}), ...(o.tag !== null ? { tags: [o.tag] } : {}), responses: { '200': { description: 'ok' } } };
          }
          let api;
          try {
            api = readServiceApi(JSON.stringify({ openapi: '3.1.0', info: { title: 'f', version: '1' }, paths }), 'fuzz.json', service);
          } catch (err) {
            expect(err).toBeInstanceOf(InputError);
            return;
          }
          const names = api.operations.map((o) => o.handlerName);
          expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(names.length);
          for (const o of api.operations) {
            expect(o.handlerName).toMatch(/^[a-z][A-Za-z0-9]*$/);
            expect(o.group).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
          }
          const app = await mountApi(api);
          try {
            for (const o of api.operations) {
              const res = await app.inject({ method: o.method.toUpperCase() as 'GET', url: sampleUrl(o) });
              const hit = api.operations.find((x) => x.method === o.method && x.handlerName === res.headers['x-handler']);
              // Its own route, or another whose template matches the same URL just as well
              // (`/{a}{b}` matches whatever `/{a}` does: OpenAPI calls such templates ambiguous).
              expect(hit && (hit === o || templateMatches(hit.path, sampleUrl(o))), `${o.method} ${o.path} (${o.url}) <- ${sampleUrl(o)} hit ${String(res.headers['x-handler'])}`).toBe(true);
            }
          } finally {
            await app.close();
          }
        },
      ),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 300), seed: Number(process.env.FUZZ_SEED ?? 20261124) },
    );
  });
});
