import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plan } from '../../src/plan/schema.js';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A fresh deep copy of a bundled example, for tests that mutate it. */
export function example(name: 'minimal' | 'shop'): Plan {
  return JSON.parse(readFileSync(path.join(projectRoot, 'examples', `${name}.json`), 'utf8')) as Plan;
}

/** A synthetic plan of `count` services with `opsPerService` operations each; service i calls service i-1. */
export function syntheticPlan(count: number, opsPerService: number): Plan {
  return {
    planVersion: 1,
    name: 'synthetic',
    summary: `A synthetic system of ${count} services for benchmarks and tests.`,
    services: Array.from({ length: count }, (_, i) => ({
      name: `svc-${i}`,
      description: `Service number ${i}.`,
      api: { style: 'rest' as const, basePath: '/v1' },
      models: [
        {
          name: 'Item',
          fields: [
            { name: 'id', type: 'string', format: 'uuid' as const, required: true },
            { name: 'name', type: 'string', required: true, maxLength: 100 },
            { name: 'count', type: 'integer', minimum: 0 },
          ],
        },
        { name: 'ItemInput', fields: [{ name: 'name', type: 'string', required: true }] },
      ],
      operations: Array.from({ length: opsPerService }, (_, j) =>
        j % 2 === 0
          ? { id: `getItem${j}`, method: 'get' as const, path: `/items${j}/{id}`, summary: `Read item ${j}`, response: { status: 200, model: 'Item' }, errors: [404] }
          : { id: `createItem${j}`, method: 'post' as const, path: `/items${j}`, summary: `Create item ${j}`, requestBody: 'ItemInput', response: { status: 201, model: 'Item' }, idempotencyKey: true },
      ),
      dependsOn: i > 0 ? [{ service: `svc-${i - 1}` }] : [],
      datastore: i % 5 === 0 ? { kind: 'postgres' as const } : undefined,
    })),
  };
}
