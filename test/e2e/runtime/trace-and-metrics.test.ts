/**
 * Issue 6, items 1 and 2: one trace across orders, catalog and payments, and RED metrics
 * per route and per dependency, both read from an OTLP receiver run by the test. The three
 * services run as their own processes (node dist/main.js) from the implemented shop copy.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startJwks, type JwksServer } from '../../helpers/jwks.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../../helpers/otlp-receiver.js';
import { startService, type ServiceProcess } from '../../helpers/service-process.js';
import { CHECKOUT_SCOPES, PLACE_ORDER_BODY, shopRuntimeRepo } from './shop-runtime.js';

const ISSUER = 'https://id.test.example/';
const AUDIENCE = 'shop-api';
const SPAN_KIND_SERVER = 2;
const SPAN_KIND_CLIENT = 3;

describe('orders, catalog and payments under one trace', () => {
  let receiver: OtlpReceiver;
  let jwks: JwksServer;
  const services = {} as Record<'orders' | 'catalog' | 'payments', ServiceProcess>;
  let placed: { status: number; body: Record<string, unknown>; traceId: string };

  beforeAll(async () => {
    const repo = await shopRuntimeRepo(inject('e2eRoot'));
    receiver = await startOtlpReceiver();
    jwks = await startJwks(ISSUER, AUDIENCE);
    const common = {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_METRIC_EXPORT_INTERVAL: '300',
      JWT_JWKS_URL: jwks.jwksUrl,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      LOG_LEVEL: 'info',
      LOG_REQUESTS: 'true',
    };
    [services.catalog, services.payments] = await Promise.all([
      startService({ cwd: `${repo}/services/catalog`, env: common, via: 'node' }),
      startService({ cwd: `${repo}/services/payments`, env: common, via: 'node' }),
    ]);
    services.orders = await startService({
      cwd: `${repo}/services/orders`,
      env: { ...common, CATALOG_URL: services.catalog.url, PAYMENTS_URL: services.payments.url },
      via: 'node',
    });

    const token = await jwks.sign({ scope: CHECKOUT_SCOPES });
    const res = await fetch(`${services.orders.url}/v1/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(PLACE_ORDER_BODY),
    });
    const body = (await res.json()) as Record<string, unknown>;
    // The orders server span is the root: the one without a parent, named after the route.
    const root = await receiver.waitFor(() => receiver.spans.find((s) => s.service === 'orders' && s.kind === SPAN_KIND_SERVER && s.name === 'POST /v1/orders'));
    placed = { status: res.status, body, traceId: root.traceId };
    // Wait for the spans of all three services (by service, not by trace id, so a broken
    // propagation fails the assertions below instead of this wait).
    const count = (service: string, kind: number) => receiver.spans.filter((s) => s.service === service && s.kind === kind).length;
    await receiver.waitFor(() => count('catalog', SPAN_KIND_SERVER) >= 2 && count('payments', SPAN_KIND_SERVER) >= 1 && count('orders', SPAN_KIND_CLIENT) >= 3);
  });

  afterAll(async () => {
    await Promise.all(Object.values(services).map((s) => s.stop()));
    await receiver?.close();
    await jwks?.close();
  });

  const traceSpans = () => receiver.spans.filter((s) => s.traceId === placed.traceId);
  const byId = (id: string) => traceSpans().find((s) => s.spanId === id);

  it('places the order through catalog and payments', () => {
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    expect(placed.body).toMatchObject({ status: 'paid', totalCents: 2500, currency: 'EUR' });
  });

  it('has one root server span in orders and server spans in catalog and payments, named after their routes', () => {
    const spans = traceSpans();
    const roots = spans.filter((s) => s.parentSpanId === '');
    expect(roots.map((s) => `${s.service} ${s.name}`)).toEqual(['orders POST /v1/orders']);
    const servers = spans.filter((s) => s.kind === SPAN_KIND_SERVER).map((s) => `${s.service} ${s.name} ${s.attributes['http.route']}`);
    expect(servers.sort()).toEqual([
      'catalog GET /v1/products/:productId /v1/products/:productId',
      'catalog POST /v1/reservations /v1/reservations',
      'orders POST /v1/orders /v1/orders',
      'payments POST /v1/payments /v1/payments',
    ]);
    for (const s of spans.filter((x) => x.kind === SPAN_KIND_SERVER)) expect(s.attributes['http.response.status_code'], s.name).toBeTypeOf('number');
  });

  it('parents each downstream server span on an orders client span (W3C traceparent propagated)', () => {
    const root = traceSpans().find((s) => s.parentSpanId === '')!;
    const downstream = traceSpans().filter((s) => s.kind === SPAN_KIND_SERVER && s.service !== 'orders');
    expect(downstream).toHaveLength(3);
    for (const server of downstream) {
      const client = byId(server.parentSpanId) as ReceivedSpan;
      expect(client, `parent of ${server.service} ${server.name}`).toBeDefined();
      expect(client.service).toBe('orders');
      expect(client.kind).toBe(SPAN_KIND_CLIENT);
      expect(client.attributes['peer.service']).toBe(server.service);
      // The client span lives inside the orders request: its parent is the orders server span.
      expect(client.parentSpanId).toBe(root.spanId);
    }
  });

  it('writes log lines carrying the same trace id in every service', () => {
    for (const name of ['orders', 'catalog', 'payments'] as const) {
      const lines = services[name].jsonLogs().filter((l) => l.trace_id === placed.traceId);
      expect(lines.length, `${name} log lines with trace_id ${placed.traceId}:\n${services[name].logs.join('\n')}`).toBeGreaterThan(0);
      expect(lines.some((l) => l.msg === 'request completed')).toBe(true);
    }
    // The handler's own line (request.log in placeOrder) carries the ids too.
    expect(services.orders.jsonLogs().some((l) => l.trace_id === placed.traceId && l.msg === 'order placed')).toBe(true);
  });

  it('exports RED metrics per route and per dependency over OTLP', async () => {
    // An error for the route too: no token is a 401 on the same route.
    const denied = await fetch(`${services.orders.url}/v1/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(PLACE_ORDER_BODY) });
    expect(denied.status).toBe(401);
    type Point = { attributes: Record<string, unknown>; count?: number; sum?: number };
    const latest = (service: string, name: string, match: (p: Point) => boolean): Point | undefined =>
      receiver.metrics
        .filter((m) => m.service === service && m.name === name)
        .flatMap((m) => m.points)
        .filter(match)
        .at(-1);
    const route = (status: number) => (p: Point) => p.attributes['http.route'] === '/v1/orders' && p.attributes['http.request.method'] === 'POST' && p.attributes['http.response.status_code'] === status;

    // Rate and duration: a histogram per route, method and status, with a count and a sum of seconds.
    const ok = await receiver.waitFor(() => latest('orders', 'http.server.request.duration', route(201)));
    expect(ok.count).toBeGreaterThanOrEqual(1);
    expect(ok.sum).toBeGreaterThan(0);
    expect(ok.sum).toBeLessThan(10);
    // Errors: the same route with its error status.
    const errors = await receiver.waitFor(() => latest('orders', 'http.server.request.duration', route(401)));
    expect(errors.count).toBeGreaterThanOrEqual(1);
    // Downstream services measure their own routes.
    await receiver.waitFor(() => latest('catalog', 'http.server.request.duration', (p) => p.attributes['http.route'] === '/v1/products/:productId'));
    await receiver.waitFor(() => latest('payments', 'http.server.request.duration', (p) => p.attributes['http.route'] === '/v1/payments'));

    // Per outbound dependency: one series per peer service and operation template.
    for (const [peer, template, status] of [
      ['catalog', '/v1/products/{productId}', 200],
      ['catalog', '/v1/reservations', 201],
      ['payments', '/v1/payments', 201],
    ] as const) {
      const point = await receiver.waitFor(() =>
        latest('orders', 'http.client.request.duration', (p) => p.attributes['peer.service'] === peer && p.attributes['url.template'] === template),
      );
      expect(point.attributes['http.response.status_code']).toBe(status);
      expect(point.count).toBeGreaterThanOrEqual(1);
      expect(point.sum).toBeGreaterThan(0);
    }
    // Health probes are neither traced nor measured.
    expect(receiver.spans.some((s) => s.name.includes('/health'))).toBe(false);
    expect(receiver.metrics.flatMap((m) => m.points).some((p) => String(p.attributes['http.route'] ?? '').startsWith('/health'))).toBe(false);
  });
});
