import { describe, expect, it } from 'vitest';
import { checkPlan } from '../../src/plan/validate.js';
import type { Plan } from '../../src/plan/schema.js';
import { example, syntheticPlan } from '../helpers/plans.js';

describe('bundled examples', () => {
  it.each(['minimal', 'shop'] as const)('%s is a valid plan', (name) => {
    const result = checkPlan(example(name));
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
  });
  it('a synthetic 50-service plan is valid', () => {
    expect(checkPlan(syntheticPlan(50, 10)).problems).toEqual([]);
  });
});

type Case = [name: string, mutate: (p: Plan) => unknown, path: string, message: RegExp];

const cases: Case[] = [
  ['path traversal in a service name', (p) => (p.services[0]!.name = '../../etc'), '$.services[0].name', /kebab-case/],
  ['a space in a service name', (p) => (p.services[0]!.name = 'a b'), '$.services[0].name', /kebab-case/],
  ['shell in a service name', (p) => (p.services[0]!.name = '$(rm -rf ~)'), '$.services[0].name', /kebab-case/],
  ['upper case service name', (p) => (p.services[0]!.name = 'Catalog'), '$.services[0].name', /kebab-case/],
  ['duplicate service', (p) => (p.services[1]!.name = 'catalog'), '$.services[1].name', /collides with \$\.services\[0\]\.name/],
  ['reserved service name', (p) => (p.services[0]!.name = 'postgres'), '$.services[0].name', /reserved/],
  ['broker host name', (p) => (p.services[0]!.name = 'broker'), '$.services[0].name', /reserved/],
  ['data store host name', (p) => (p.services[0]!.name = 'orders-db'), '$.services[0].name', /reserved for data store hosts/],
  ['model names colliding after case folding', (p) => p.services[0]!.models!.push({ ...p.services[0]!.models![0]!, name: 'PRODUCT' }), '$.services[0].models[4].name', /collides/],
  ['unknown dependency', (p) => (p.services[1]!.dependsOn![0]!.service = 'catalogue'), '$.services[1].dependsOn[0].service', /unknown service "catalogue" \(did you mean "catalog"\?\)/],
  ['unknown dependency operation', (p) => (p.services[1]!.dependsOn![0]!.operations = ['getProdukt']), '$.services[1].dependsOn[0].operations[0]', /no operation "getProdukt"/],
  ['call cycle', (p) => (p.services[0]!.dependsOn = [{ service: 'orders' }]), '$.services[1].dependsOn[0].service', /cycle: orders -> catalog -> orders|cycle/],
  ['duplicate port', (p) => ((p.services[0]!.port = 4000), (p.services[1]!.port = 4000)), '$.services[1].port', /already used/],
  ['shared data store', (p) => ((p.services[0]!.datastore = { kind: 'postgres', name: 'shared' }), (p.services[1]!.datastore = { kind: 'postgres', name: 'shared' })), '$.services[1].datastore.name', /owns its own/],
  ['event without producer service', (p) => (p.events![0]!.producer = 'ghost'), '$.events[0].producer', /unknown service/],
  ['publishes an undeclared event', (p) => p.services[1]!.publishes!.push('order.shipped'), '$.services[1].publishes[2]', /unknown event/],
  ['events without broker', (p) => delete p.broker, '$.broker', /no broker/],
  ['unknown model in a field', (p) => (p.services[1]!.models![2]!.fields[3]!.type = 'Line'), '$.services[1].models[2].fields[3].type', /neither a primitive/],
  ['unknown request body model', (p) => (p.services[0]!.operations[2]!.requestBody = 'Nope'), '$.services[0].operations[2].requestBody', /unknown model/],
  ['duplicate route', (p) => (p.services[0]!.operations[1]!.path = '/products'), '$.services[0].operations[1].path', /duplicates \$\.services\[0\]\.operations\[0\]\.path/],
  ['duplicate operation id', (p) => (p.services[0]!.operations[1]!.id = 'listProducts'), '$.services[0].operations[1].id', /collides/],
  ['reserved word as operation id', (p) => (p.services[0]!.operations[0]!.id = 'delete'), '$.services[0].operations[0].id', /reserved word/],
  ['dot-dot in a path', (p) => (p.services[0]!.operations[0]!.path = '/a/../b'), '$.services[0].operations[0].path', /\.\./],
  ['query string in a path', (p) => (p.services[0]!.operations[0]!.path = '/a?x=1'), '$.services[0].operations[0].path', /URL path/],
  ['health path taken', (p) => ((p.services[0]!.api = { style: 'rest' }), (p.services[0]!.operations[0]!.path = '/health/ready')), '$.services[0].operations[0].path', /reserved/],
  ['body on GET', (p) => (p.services[0]!.operations[0]!.requestBody = 'Product'), '$.services[0].operations[0].requestBody', /no body/],
  ['unknown key', (p) => ((p as Record<string, unknown>).extra = 1), '$', /unknown key.*extra/],
  ['wrong type', (p) => ((p.services[0] as unknown as Record<string, unknown>).operations = 'x'), '$.services[0].operations', /array/],
  ['thousands of services', (p) => (p.services = Array.from({ length: 5000 }, (_, i) => ({ ...p.services[3]!, name: `s-${i}` }))), '$.services', /200/],
  ['huge strings', (p) => (p.summary = 'x'.repeat(1_000_000)), '$.summary', /10000/],
  ['jwt operation without jwt auth', (p) => ((p.auth = { kind: 'none' }), (p.services[0]!.operations[0]!.auth = 'jwt')), '$.auth', /jwt/],
  ['scopes on a public operation', (p) => (p.auth = { kind: 'none' }), '$.services[0].operations[2].scopes', /jwt auth/],
  ['min replicas over max', (p) => (p.services[0]!.scaling = { minReplicas: 5, maxReplicas: 2 }), '$.services[0].scaling.minReplicas', /greater/],
];

describe('invalid plans name the JSON path of every problem', () => {
  it.each(cases)('%s', (_name, mutate, path, message) => {
    const plan = example('shop');
    mutate(plan);
    const result = checkPlan(plan);
    expect(result.ok).toBe(false);
    const hit = result.problems.find((p) => p.path === path && message.test(p.message));
    expect(hit, `expected a problem at ${path} matching ${message}; got ${JSON.stringify(result.problems.slice(0, 5), null, 1)}`).toBeDefined();
  });

  it('reports every problem at once, not only the first', () => {
    const plan = example('shop');
    plan.services[0]!.name = 'Bad Name';
    plan.services[1]!.operations[0]!.method = 'fetch' as never;
    expect(checkPlan(plan).problems.length).toBeGreaterThanOrEqual(2);
  });
});
