import { describe, expect, it } from 'vitest';
import { names, normalizePlan } from '../../src/plan/normalize.js';
import { validatePlan } from '../../src/plan/validate.js';
import { example } from '../helpers/plans.js';

describe('names', () => {
  it.each([
    ['order-service', { kebab: 'order-service', camel: 'orderService', pascal: 'OrderService', constant: 'ORDER_SERVICE', snake: 'order_service' }],
    ['catalog', { kebab: 'catalog', camel: 'catalog', pascal: 'Catalog', constant: 'CATALOG', snake: 'catalog' }],
    ['order.placed', { kebab: 'order-placed', camel: 'orderPlaced', pascal: 'OrderPlaced', constant: 'ORDER_PLACED', snake: 'order_placed' }],
  ])('%s', (input, expected) => expect(names(input)).toEqual(expected));
});

describe('normalizePlan', () => {
  const shop = normalizePlan(validatePlan(example('shop')));

  it('assigns ports in plan order, skipping explicit ones', () => {
    const plan = example('shop');
    plan.services[1]!.port = 3001;
    const n = normalizePlan(validatePlan(plan));
    expect(n.services.map((s) => s.port)).toEqual([3002, 3001, 3003, 3004]);
  });

  it('merges resilience: plan defaults, then service overrides', () => {
    const orders = shop.services.find((s) => s.name === 'orders')!;
    expect(orders.resilience.timeoutMs).toBe(3000);
    expect(orders.resilience.retry).toEqual({ maxAttempts: 3, initialDelayMs: 100, maxDelayMs: 2000 });
    expect(orders.resilience.circuitBreaker).toEqual({ failureThreshold: 5, resetMs: 10000 });
  });

  it('derives dependency URLs and env names', () => {
    const orders = shop.services.find((s) => s.name === 'orders')!;
    expect(orders.dependencies.map((d) => [d.urlEnv, d.defaultUrl, d.localUrl])).toEqual([
      ['CATALOG_URL', 'http://catalog:3001', 'http://127.0.0.1:3001'],
      ['PAYMENTS_URL', 'http://payments:3003', 'http://127.0.0.1:3003'],
    ]);
    expect(shop.services.find((s) => s.name === 'catalog')!.dependents).toEqual(['orders']);
  });

  it('gives each data store its own host and database, password from the environment', () => {
    const ds = shop.services.find((s) => s.name === 'orders')!.datastore!;
    expect(ds).toMatchObject({ kind: 'postgres', database: 'orders', host: 'orders-db', urlEnv: 'DATABASE_URL' });
    expect(ds.defaultUrl).toBe('postgres://orders:${ORDERS_DB_PASSWORD}@orders-db:5432/orders');
  });

  it('resolves auth per operation and adds the errors it implies', () => {
    const catalog = shop.services.find((s) => s.name === 'catalog')!;
    const list = catalog.operations.find((o) => o.id === 'listProducts')!;
    const create = catalog.operations.find((o) => o.id === 'createProduct')!;
    expect(list.auth).toBe('public');
    expect(create.auth).toBe('jwt');
    expect(create.errors).toEqual([400, 401, 403, 409]);
    expect(catalog.usesJwt).toBe(true);
  });

  it('is deterministic', () => {
    expect(JSON.stringify(normalizePlan(validatePlan(example('shop'))))).toBe(JSON.stringify(shop));
  });
});
