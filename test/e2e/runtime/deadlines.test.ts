/**
 * Issue 6, item 4: an incoming request's remaining time budget (x-deadline-ms, see the
 * generated src/deadline.ts) bounds the calls orders makes downstream and travels on with
 * them, so a slow chain fails at the edge's deadline, not at the sum of every hop's
 * timeouts (here 3 attempts x 3 s from the plan, about 9 s).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startJwks, type JwksServer } from '../../helpers/jwks.js';
import { startService, type ServiceProcess } from '../../helpers/service-process.js';
import { CHECKOUT_SCOPES, GOOD_PRODUCT, GOOD_RESERVATION, PLACE_ORDER_BODY, shopRuntimeRepo, startFakeDependency, type FakeDependency } from './shop-runtime.js';

const ISSUER = 'https://id.test.example/';
const AUDIENCE = 'shop-api';
const HOP_MS = 150;

describe('deadline propagation through orders', () => {
  let jwks: JwksServer;
  let catalog: FakeDependency;
  let payments: FakeDependency;
  let orders: ServiceProcess;
  let token: string;

  beforeAll(async () => {
    const repo = await shopRuntimeRepo(inject('e2eRoot'));
    jwks = await startJwks(ISSUER, AUDIENCE);
    token = await jwks.sign({ scope: CHECKOUT_SCOPES });
    // catalog is slow but answers; payments never answers.
    catalog = await startFakeDependency((req) =>
      req.url.startsWith('/v1/products/') ? { status: 200, body: GOOD_PRODUCT, delayMs: HOP_MS } : { status: 201, body: GOOD_RESERVATION, delayMs: HOP_MS },
    );
    payments = await startFakeDependency(() => 'hang');
    orders = await startService({
      cwd: path.join(repo, 'services/orders'),
      via: 'node',
      env: {
        CATALOG_URL: catalog.url,
        PAYMENTS_URL: payments.url,
        JWT_JWKS_URL: jwks.jwksUrl,
        JWT_ISSUER: ISSUER,
        JWT_AUDIENCE: AUDIENCE,
        OTEL_EXPORTER_OTLP_ENDPOINT: undefined,
        // Timeouts and retries stay the plan's (3 s per attempt, 3 attempts).
        REQUEST_DEADLINE_MS: '700',
      },
    });
  });

  afterAll(async () => {
    if (orders) expect((await orders.stop()).code).toBe(0);
    await catalog?.close();
    await payments?.close();
    await jwks?.close();
  });

  async function placeOrder(headers: Record<string, string> = {}) {
    const started = performance.now();
    const res = await fetch(`${orders.url}/v1/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(PLACE_ORDER_BODY),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown>, ms: performance.now() - started };
  }

  const budgets = (f: FakeDependency, prefix: string) => f.calls(prefix).map((r) => Number(r.headers['x-deadline-ms']));

  it("fails at the caller's deadline, naming the hop that ran out of time, and sends the shrinking remainder on", async () => {
    const before = { products: catalog.calls('/v1/products/').length, reservations: catalog.calls('/v1/reservations').length, payments: payments.requests.length };
    const answer = await placeOrder({ 'x-deadline-ms': '500' });
    expect(answer.status, JSON.stringify(answer.body)).toBe(504);
    expect(answer.body).toMatchObject({ dependency: 'payments', failure: 'deadline' });
    // 500 ms budget, not 9 s of attempts and not the 700 ms service default.
    expect(answer.ms).toBeGreaterThanOrEqual(480);
    expect(answer.ms).toBeLessThan(900);

    // NaN (no such call) fails every comparison below.
    const [product = NaN] = budgets(catalog, '/v1/products/').slice(before.products);
    const [reservation = NaN] = budgets(catalog, '/v1/reservations').slice(before.reservations);
    const paymentBudgets = payments.requests.slice(before.payments).map((r) => Number(r.headers['x-deadline-ms']));
    // Each hop gets what is left: about 500, then 500 - 150, then 500 - 300.
    expect(product).toBeLessThanOrEqual(500);
    expect(product).toBeGreaterThan(400);
    expect(reservation).toBeLessThanOrEqual(product - HOP_MS);
    // The deadline is not retried past: one attempt at payments, with what remained.
    expect(paymentBudgets).toHaveLength(1);
    expect(paymentBudgets[0]).toBeLessThanOrEqual(reservation - HOP_MS);
    expect(paymentBudgets[0]).toBeGreaterThan(0);
  });

  it('uses its own default budget (REQUEST_DEADLINE_MS) when the caller sends none, and caps a larger one', async () => {
    const none = await placeOrder();
    expect(none.status).toBe(504);
    expect(none.ms).toBeGreaterThanOrEqual(680);
    expect(none.ms).toBeLessThan(1100);
    const large = await placeOrder({ 'x-deadline-ms': '60000' });
    expect(large.status).toBe(504);
    expect(large.ms).toBeLessThan(1100);
    expect(Math.max(...budgets(catalog, '/v1/products/'))).toBeLessThanOrEqual(700);
  });
});
