import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { normalizePlan } from '../../src/plan/normalize.js';
import { readServiceApi } from '../../src/openapi/read.js';
import { specFromPlan } from '../../src/openapi/from-plan.js';
import { apiTypes } from '../../src/openapi/typescript.js';
import { corpus, root } from './corpus.js';

const minimal = normalizePlan(JSON.parse(readFileSync(path.join(root, 'examples/minimal.json'), 'utf8')));
const shop = normalizePlan(JSON.parse(readFileSync(path.join(root, 'examples/shop.json'), 'utf8')));
const { docs } = corpus();
const timings: string[] = [];
afterAll(() => {
  if (timings.length) console.log(`[openapi-typescript timings]\n${timings.join('\n')}`);
});

/** Type-checks files in a temporary folder with the TypeScript API (strict, NodeNext, as generated services are built). */
function typeCheck(files: Record<string, string>): string[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cas-openapi-types-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
    const program = ts.createProgram(
      Object.keys(files).map((f) => path.join(dir, f)),
      { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, noUncheckedIndexedAccess: true, skipLibCheck: true, types: [] },
    );
    return ts.getPreEmitDiagnostics(program).map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('apiTypes', () => {
  it.each(docs.map((d) => [d.name, d] as const))('%s: types generated', async (name, d) => {
    const api = readServiceApi(d.text, d.name, minimal.services[0]!);
    const t0 = performance.now();
    const out = await apiTypes(api);
    timings.push(`${name}: ${(performance.now() - t0).toFixed(0)} ms, ${out.length} chars`);
    expect(out).toMatch(/export (interface paths \{|type paths = )/);
    expect(out).toMatch(/export interface components \{/);
    for (const op of api.operations.slice(0, 20)) expect(out).toContain(JSON.stringify(op.path));
  }, 180_000);

  it('does not modify the document it is given', async () => {
    const api = readServiceApi(docs.find((d) => d.name === 'redoc-demo-petstore.yaml')!.text, 'redoc.yaml', minimal.services[0]!);
    const before = JSON.stringify(api.document);
    await apiTypes(api);
    expect(JSON.stringify(api.document)).toBe(before);
  });

  it('shop: the generated types type-check and describe the plan (tsc, strict)', async () => {
    const files: Record<string, string> = {};
    const usage: string[] = [];
    for (const s of shop.services) {
      const api = readServiceApi(specFromPlan(shop, s), `${s.name}.yaml`, s);
      files[`${s.name}.ts`] = await apiTypes(api);
      usage.push(`import type * as ${s.names.camel} from './${s.name}.js';`);
    }
    // Uses the types as handlers and clients do; a wrong shape must be a type error.
    usage.push(
      "type CreateBody = catalog.paths['/v1/products']['post']['requestBody']['content']['application/json'];",
      "const input: CreateBody = { sku: 'A-1', name: 'Lamp', priceCents: 1, currency: 'EUR', stock: 1 };",
      "type Page = catalog.operations['listProducts']['responses'][200]['content']['application/json'];",
      "const page: Page = { items: [], nextCursor: null };",
      "type Order = orders.components['schemas']['Order'];",
      "const paymentId: Order['paymentId'] = null;",
      "type Problem = payments.components['schemas']['Problem'];",
      "const problem: Problem = { type: 'about:blank', title: 'Conflict', status: 409, errors: [{ field: 'body.x', message: 'taken' }] };",
      "type Query = notifications.operations['listNotifications']['parameters']['query'];",
      "const query: Query = { orderId: 'x', limit: 20, cursor: undefined };",
      'export const all = [input, page, paymentId, problem, query];',
    );
    files['usage.ts'] = usage.join('\n');
    expect(typeCheck(files)).toEqual([]);
    // And the compiler is the contract: the wrong currency is rejected.
    const wrong = { ...files, 'usage.ts': files['usage.ts']!.replace("currency: 'EUR'", "currency: 'JPY'") };
    expect(typeCheck(wrong).join('\n')).toMatch(/JPY/);
  });

  it('same spec, same bytes', async () => {
    const s = shop.services[1]!;
    const api = readServiceApi(specFromPlan(shop, s), 'orders.yaml', s);
    expect(await apiTypes(api)).toBe(await apiTypes(api));
  });
});
