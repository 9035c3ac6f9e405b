/**
 * Issue 6, item 3: the generated orders service against dependencies that fail. catalog and
 * payments are fakes on 127.0.0.1 the test controls; postgres and nats are bare TCP
 * listeners so readiness can be green. Each scenario boots a fresh orders process (its
 * circuit breakers start closed) and checks it is still alive and exits 0 at the end.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { startJwks, type JwksServer } from '../../helpers/jwks.js';
import { freePort, startService, type ServiceProcess } from '../../helpers/service-process.js';
import {
  CHECKOUT_SCOPES,
  GOOD_PAYMENT,
  GOOD_PRODUCT,
  GOOD_RESERVATION,
  PLACE_ORDER_BODY,
  shopRuntimeRepo,
  startFakeDependency,
  startTcpListener,
  type FakeAnswer,
  type FakeDependency,
  type RecordedRequest,
} from './shop-runtime.js';

const ISSUER = 'https://id.test.example/';
const AUDIENCE = 'shop-api';

/** catalog answering well, except what `override` decides. */
function catalogAnswers(override: (req: RecordedRequest, nth: number) => FakeAnswer | undefined = () => undefined) {
  return (req: RecordedRequest, nth: number): FakeAnswer => {
    const o = override(req, nth);
    if (o) return o;
    if (req.url === '/health/live') return { status: 200, body: { status: 'ok' } };
    if (req.url.startsWith('/v1/products/')) return { status: 200, body: GOOD_PRODUCT };
    if (req.url === '/v1/reservations') return { status: 201, body: GOOD_RESERVATION };
    return { status: 404, body: { title: 'Not Found', status: 404 } };
  };
}

function paymentsAnswers(override: (req: RecordedRequest, nth: number) => FakeAnswer | undefined = () => undefined) {
  return (req: RecordedRequest, nth: number): FakeAnswer => {
    const o = override(req, nth);
    if (o) return o;
    if (req.url === '/health/live') return { status: 200, body: { status: 'ok' } };
    if (req.url === '/v1/payments') return { status: 201, body: GOOD_PAYMENT };
    return { status: 404, body: { title: 'Not Found', status: 404 } };
  };
}

interface Answer {
  status: number;
  contentType: string;
  body: Record<string, unknown>;
  ms: number;
}

describe('orders when catalog or payments fail', () => {
  let repo: string;
  let jwks: JwksServer;
  let token: string;
  let postgres: Awaited<ReturnType<typeof startTcpListener>>;
  let nats: Awaited<ReturnType<typeof startTcpListener>>;
  let orders: ServiceProcess | undefined;
  const fakes: FakeDependency[] = [];

  beforeAll(async () => {
    repo = await shopRuntimeRepo(inject('e2eRoot'));
    jwks = await startJwks(ISSUER, AUDIENCE);
    token = await jwks.sign({ scope: CHECKOUT_SCOPES });
    [postgres, nats] = await Promise.all([startTcpListener(), startTcpListener()]);
  });

  afterEach(async () => {
    if (orders) {
      // Whatever the dependencies did, the process is still up and shuts down cleanly.
      expect(orders.child.exitCode, orders.logs.join('\n')).toBeNull();
      expect((await fetch(`${orders.url}/health/live`)).status).toBe(200);
      const stopped = await orders.stop();
      expect(stopped.code, orders.logs.join('\n')).toBe(0);
      orders = undefined;
    }
    await Promise.all(fakes.splice(0).map((f) => f.close()));
  });

  afterAll(async () => {
    await jwks?.close();
    await postgres?.close();
    await nats?.close();
  });

  async function boot(catalogUrl: string, paymentsUrl: string, env: Record<string, string> = {}): Promise<ServiceProcess> {
    orders = await startService({
      cwd: path.join(repo, 'services/orders'),
      via: 'node',
      env: {
        CATALOG_URL: catalogUrl,
        PAYMENTS_URL: paymentsUrl,
        DATABASE_URL: postgres.url('postgres'),
        BROKER_URL: nats.url('nats'),
        JWT_JWKS_URL: jwks.jwksUrl,
        JWT_ISSUER: ISSUER,
        JWT_AUDIENCE: AUDIENCE,
        OTEL_EXPORTER_OTLP_ENDPOINT: undefined,
        READINESS_TIMEOUT_MS: '300',
        ...env,
      },
    });
    return orders;
  }

  async function fake(answer: (req: RecordedRequest, nth: number) => FakeAnswer): Promise<FakeDependency> {
    const f = await startFakeDependency(answer);
    fakes.push(f);
    return f;
  }

  async function placeOrder(svc: ServiceProcess): Promise<Answer> {
    const started = performance.now();
    const res = await fetch(`${svc.url}/v1/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(PLACE_ORDER_BODY),
    });
    const body = (await res.json()) as Record<string, unknown>;
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', body, ms: performance.now() - started };
  }

  async function readiness(svc: ServiceProcess) {
    const res = await fetch(`${svc.url}/health/ready`);
    return { status: res.status, body: (await res.json()) as { status: string; checks: { name: string; ok: boolean; error?: string }[] } };
  }

  function expectProblem(answer: Answer, status: number, dependency: string, failure: string) {
    expect(answer.status, JSON.stringify(answer.body)).toBe(status);
    expect(answer.contentType).toMatch(/^application\/problem\+json/);
    expect(answer.body).toMatchObject({ status, dependency, failure });
    expect(String(answer.body.detail)).toContain(dependency);
  }

  it('takes its resilience defaults from the plan', async () => {
    const plan = JSON.parse(readFileSync(path.join(repo, 'arch.plan.json'), 'utf8'));
    const service = plan.services.find((s: { name: string }) => s.name === 'orders');
    const { loadConfig } = (await import(pathToFileURL(path.join(repo, 'services/orders/dist/config.js')).href)) as {
      loadConfig(env: Record<string, string>): { resilience: Record<string, number>; shutdownGraceMs: number };
    };
    const pick = <T>(...values: (T | undefined)[]) => values.find((v) => v !== undefined);
    expect(loadConfig({}).resilience).toEqual({
      timeoutMs: pick(service.resilience?.timeoutMs, plan.resilience.timeoutMs),
      retryMaxAttempts: pick(service.resilience?.retry?.maxAttempts, plan.resilience.retry.maxAttempts),
      retryInitialDelayMs: pick(service.resilience?.retry?.initialDelayMs, plan.resilience.retry.initialDelayMs),
      retryMaxDelayMs: pick(service.resilience?.retry?.maxDelayMs, plan.resilience.retry.maxDelayMs),
      breakerFailureThreshold: pick(service.resilience?.circuitBreaker?.failureThreshold, plan.resilience.circuitBreaker.failureThreshold),
      breakerResetMs: pick(service.resilience?.circuitBreaker?.resetMs, plan.resilience.circuitBreaker.resetMs),
    });
  });

  it('retries a dependency answering 503 twice, with growing delays, and succeeds', async () => {
    const catalog = await fake(catalogAnswers((req, nth) => (req.url.startsWith('/v1/products/') && nth <= 2 ? { status: 503, body: { title: 'Service Unavailable', status: 503 } } : undefined)));
    const payments = await fake(paymentsAnswers());
    // Plan defaults for retries: 3 attempts, 100 ms initial delay, exponential with half jitter.
    const svc = await boot(catalog.url, payments.url);
    const ready = await readiness(svc);
    expect(ready.status, JSON.stringify(ready.body)).toBe(200);

    const answer = await placeOrder(svc);
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    const attempts = catalog.calls('/v1/products/');
    expect(attempts).toHaveLength(3);
    const [first, second, third] = attempts.map((a) => a.at) as [number, number, number];
    const [gap1, gap2] = [second - first, third - second];
    // Half jitter: the first delay is in [50, 100) ms, the second in [100, 200).
    expect(gap1).toBeGreaterThanOrEqual(45);
    expect(gap2).toBeGreaterThanOrEqual(95);
    expect(gap2).toBeGreaterThan(gap1);
    // Each attempt is its own client span in the same trace.
    const traceIds = attempts.map((a) => String(a.headers.traceparent).split('-')[1]);
    expect(new Set(traceIds).size).toBe(1);
    expect(new Set(attempts.map((a) => a.headers.traceparent)).size).toBe(3);
  });

  it('times out a hanging dependency per attempt, then opens the breaker and fails fast; readiness says catalog is down', async () => {
    const catalog = await fake(catalogAnswers((req) => (req.url.startsWith('/v1/products/') || req.url === '/health/live' ? 'hang' : undefined)));
    const payments = await fake(paymentsAnswers());
    const svc = await boot(catalog.url, payments.url, { CLIENT_TIMEOUT_MS: '300' });

    // 3 attempts of 300 ms each, plus two backoff delays.
    const first = await placeOrder(svc);
    expectProblem(first, 504, 'catalog', 'timeout');
    expect(first.ms).toBeGreaterThanOrEqual(900);
    expect(first.ms).toBeLessThan(2500);
    expect(catalog.calls('/v1/products/')).toHaveLength(3);

    // Failures 4 and 5 reach the plan's threshold (5): the breaker opens within this call.
    const second = await placeOrder(svc);
    expectProblem(second, 503, 'catalog', 'circuit-open');
    expect(catalog.calls('/v1/products/')).toHaveLength(5);

    // Open breaker: no request leaves, the answer is immediate.
    const third = await placeOrder(svc);
    expectProblem(third, 503, 'catalog', 'circuit-open');
    expect(third.ms).toBeLessThan(150);
    expect(catalog.calls('/v1/products/')).toHaveLength(5);

    const ready = await readiness(svc);
    expect(ready.status).toBe(503);
    expect(ready.body.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['catalog']);
  });

  it('treats a refused connection the same way', async () => {
    const payments = await fake(paymentsAnswers());
    const closedPort = await freePort();
    const svc = await boot(`http://127.0.0.1:${closedPort}`, payments.url);

    const first = await placeOrder(svc);
    expectProblem(first, 503, 'catalog', 'unavailable');
    expect(String(first.body.detail)).toContain('ECONNREFUSED');
    const second = await placeOrder(svc);
    expectProblem(second, 503, 'catalog', 'circuit-open');
    const third = await placeOrder(svc);
    expectProblem(third, 503, 'catalog', 'circuit-open');
    expect(third.ms).toBeLessThan(150);
    expect(payments.calls('/v1/payments')).toHaveLength(0);

    const ready = await readiness(svc);
    expect(ready.status).toBe(503);
    const catalogCheck = ready.body.checks.find((c) => c.name === 'catalog');
    expect(catalogCheck?.ok).toBe(false);
    expect(catalogCheck?.error).toContain('ECONNREFUSED');
  });

  it('answers 502 naming payments when payments keeps failing (retried: the call carries an Idempotency-Key)', async () => {
    const catalog = await fake(catalogAnswers());
    const payments = await fake(paymentsAnswers((req) => (req.url === '/v1/payments' ? { status: 500, body: { title: 'Internal Server Error', status: 500 } } : undefined)));
    const svc = await boot(catalog.url, payments.url);

    const answer = await placeOrder(svc);
    expectProblem(answer, 502, 'payments', 'bad-response');
    expect(answer.body.upstreamStatus).toBe(500);
    const attempts = payments.calls('/v1/payments');
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts.map((a) => a.headers['idempotency-key'])).size).toBe(1);
    // payments is up (it answers), so readiness stays green: a 500 is not an outage of the process.
    expect((await readiness(svc)).status).toBe(200);
  });
});
