import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { calledOperations, clientTs } from '../../generators/clients/index.js';
import { renderSystem, type RenderResult } from '../../src/render/pipeline.js';
import type { Plan } from '../../src/plan/schema.js';
import { example } from '../helpers/plans.js';

let shop: RenderResult;
beforeAll(async () => {
  shop = await renderSystem(example('shop'));
});

const clientFiles = (r: RenderResult, service: string) => [...r.tree.values()].filter((f) => f.generator === 'clients' && f.path.startsWith(`services/${service}/`)).map((f) => f.path).sort();

/** Public method names of the exported client class. */
function methods(content: string): string[] {
  const sf = ts.createSourceFile('c.ts', content, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const cls = sf.statements.find(ts.isClassDeclaration)!;
  return cls.members.filter(ts.isMethodDeclaration).map((m) => (m.name as ts.Identifier).text).filter((n) => n !== 'withContext');
}

describe('clients generator', () => {
  it('renders a typed client per dependency, its types, the resilient runtime and its tests, only for callers', () => {
    expect(clientFiles(shop, 'orders')).toEqual([
      'services/orders/src/clients/catalog.client.ts',
      'services/orders/src/clients/catalog.types.ts',
      'services/orders/src/clients/http-client.ts',
      'services/orders/src/clients/index.ts',
      'services/orders/src/clients/payments.client.ts',
      'services/orders/src/clients/payments.types.ts',
      'services/orders/test/clients.test.ts',
    ]);
    for (const s of ['catalog', 'payments', 'notifications']) expect(clientFiles(shop, s)).toEqual([]);
  });

  it('every client file parses and the types come from the dependency spec', () => {
    for (const f of [...shop.tree.values()].filter((x) => x.generator === 'clients')) {
      const out = ts.transpileModule(f.content, { fileName: f.path, reportDiagnostics: true, compilerOptions: { module: ts.ModuleKind.NodeNext } });
      expect(out.diagnostics ?? [], f.path).toEqual([]);
      expect(f.owner).toBe('generated');
    }
    expect(shop.tree.get('services/orders/src/clients/catalog.types.ts')!.content).toMatch(/export interface paths/);
  });

  it('one method per called operation, with its base path and retry safety', () => {
    const content = shop.tree.get('services/orders/src/clients/catalog.client.ts')!.content;
    const api = shop.apis.get('catalog')!;
    const dep = shop.plan.services.find((s) => s.name === 'orders')!.dependencies.find((d) => d.service === 'catalog')!;
    expect(methods(content)).toEqual(calledOperations(dep, api).map((o) => o.handlerName));
    for (const op of calledOperations(dep, api)) {
      expect(content).toContain(`path: '${op.url.replace(/:(\w+)/g, '{$1}')}'`);
    }
    expect(content).toMatch(/method: 'POST',\n\s+path: '\/v1\/reservations',\n\s+idempotent: false/);
    expect(content).toMatch(/method: 'GET',\n\s+path: '\/v1\/products\/\{productId\}',\n\s+idempotent: true/);
  });

  it('limits a client to the operations the plan says are called', async () => {
    const plan = example('shop') as Plan;
    const orders = plan.services.find((s) => s.name === 'orders')!;
    orders.dependsOn = (orders.dependsOn ?? []).map((d) => (d.service === 'catalog' ? { ...d, operations: ['getProduct'] } : d));
    const r = await renderSystem(plan);
    const dep = r.plan.services.find((s) => s.name === 'orders')!.dependencies.find((d) => d.service === 'catalog')!;
    expect(methods(clientTs(dep, r.apis.get('catalog')!, 'x'))).toEqual(['getProduct']);
  });

  it.each(['index', 'http-client', 'http'])('a dependency named %s collides with no other client file', async (name) => {
    const op = (id: string, path: string) => ({ id, method: 'get' as const, path, summary: id, response: { status: 200 } });
    const plan: Plan = {
      planVersion: 1,
      name: 'edge',
      summary: 'Dependency names that look like the client runtime files.',
      services: [
        { name, description: 'callee', operations: [op('ping', '/ping')] },
        { name: 'caller', description: 'caller', operations: [op('call', '/call')], dependsOn: [{ service: name }] },
      ],
    };
    const r = await renderSystem(plan);
    const files = clientFiles(r, 'caller');
    expect(files).toContain(`services/caller/src/clients/${name}.client.ts`);
    expect(files).toContain('services/caller/src/clients/http-client.ts');
    expect(files).toContain('services/caller/src/clients/index.ts');
    expect(new Set(files).size).toBe(files.length);
  });

  it('the runtime retries only idempotent or keyed calls, with cockatiel and the plan values from config', () => {
    const runtime = shop.tree.get('services/orders/src/clients/http-client.ts')!.content;
    expect(runtime).toContain("from 'cockatiel'");
    expect(runtime).toContain('spec.idempotent || options.idempotencyKey !== undefined');
    expect(runtime).toContain('ConsecutiveBreaker(resilience.breakerFailureThreshold)');
    expect(runtime).toContain('propagation.inject');
    expect(runtime).toContain('DEADLINE_HEADER');
  });
});
