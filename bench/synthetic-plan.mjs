/**
 * A synthetic plan of `count` services with `opsPerService` operations each; service i
 * calls service i-1, every fifth service owns a Postgres database. Shared by the
 * benchmarks and the tests.
 */
export function syntheticPlan(count, opsPerService) {
  return {
    planVersion: 1,
    name: 'synthetic',
    summary: `A synthetic system of ${count} services for benchmarks and tests.`,
    services: Array.from({ length: count }, (_, i) => ({
      name: `svc-${i}`,
      description: `Service number ${i}.`,
      api: { style: 'rest', basePath: '/v1' },
      models: [
        {
          name: 'Item',
          fields: [
            { name: 'id', type: 'string', format: 'uuid', required: true },
            { name: 'name', type: 'string', required: true, maxLength: 100 },
            { name: 'count', type: 'integer', minimum: 0 },
          ],
        },
        { name: 'ItemInput', fields: [{ name: 'name', type: 'string', required: true }] },
      ],
      operations: Array.from({ length: opsPerService }, (_, j) =>
        j % 2 === 0
          ? { id: `getItem${j}`, method: 'get', path: `/items${j}/{id}`, summary: `Read item ${j}`, response: { status: 200, model: 'Item' }, errors: [404] }
          : { id: `createItem${j}`, method: 'post', path: `/items${j}`, summary: `Create item ${j}`, requestBody: 'ItemInput', response: { status: 201, model: 'Item' }, idempotencyKey: true },
      ),
      dependsOn: i > 0 ? [{ service: `svc-${i - 1}` }] : [],
      ...(i % 5 === 0 ? { datastore: { kind: 'postgres' } } : {}),
    })),
  };
}
