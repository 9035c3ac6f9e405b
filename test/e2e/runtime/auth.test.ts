/**
 * Issue 6, item 6: bearer JWT auth of a generated service (catalog) against a JWKS the test
 * serves on 127.0.0.1. The spec's security requirements decide: reserveStock needs
 * catalog:reserve, createProduct catalog:write; getProduct is public; health needs nothing.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startJwks, type JwksServer } from '../../helpers/jwks.js';
import { startService, type ServiceProcess } from '../../helpers/service-process.js';
import { GOOD_PRODUCT, shopRuntimeRepo } from './shop-runtime.js';

const ISSUER = 'https://id.test.example/';
const AUDIENCE = 'shop-api';
const RESERVATION = { productId: GOOD_PRODUCT.id, quantity: 1, orderId: '3e4f5a6b-7c8d-4e9f-8a0b-1c2d3e4f5a6b' };
const PRODUCT_INPUT = { sku: 'SKU-2', name: 'Kettle', priceCents: 2900, currency: 'EUR', stock: 3 };

type TokenMaker = (jwks: JwksServer) => Promise<string | undefined>;

describe('bearer JWT auth of a generated service', () => {
  let jwks: JwksServer;
  let catalog: ServiceProcess;

  beforeAll(async () => {
    const repo = await shopRuntimeRepo(inject('e2eRoot'));
    jwks = await startJwks(ISSUER, AUDIENCE);
    catalog = await startService({
      cwd: path.join(repo, 'services/catalog'),
      via: 'node',
      env: { JWT_JWKS_URL: jwks.jwksUrl, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, OTEL_EXPORTER_OTLP_ENDPOINT: undefined },
    });
  });

  afterAll(async () => {
    if (catalog) expect((await catalog.stop()).code).toBe(0);
    await jwks?.close();
  });

  async function call(method: string, route: string, auth: string | undefined, body?: unknown) {
    const headers: Record<string, string> = {};
    if (auth !== undefined) headers.authorization = auth;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${catalog.url}${route}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, type: res.headers.get('content-type') ?? '', challenge: res.headers.get('www-authenticate') ?? '', body: (await res.json()) as Record<string, unknown> };
  }

  const bearer = (make: TokenMaker) => async () => {
    const token = await make(jwks);
    return token === undefined ? undefined : `Bearer ${token}`;
  };

  it.each<[string, () => Promise<string | undefined>, RegExp]>([
    ['no Authorization header', async () => undefined, /token is required/],
    ['a Basic credential', async () => 'Basic dXNlcjpwYXNz', /must be "Bearer <token>"/],
    ['a token that is not a JWT', async () => 'Bearer not-a-jwt', /not valid/],
    ['a token signed by a key the JWKS does not publish', bearer((j) => j.signWithUnknownKey({ scope: 'catalog:reserve' })), /not valid/],
    ['a token for another audience', bearer((j) => j.sign({ scope: 'catalog:reserve', aud: 'other-api' })), /not valid/],
    ['a token from another issuer', bearer((j) => j.sign({ scope: 'catalog:reserve', iss: 'https://evil.example/' })), /not valid/],
    ['an expired token', bearer((j) => j.sign({ scope: 'catalog:reserve', expSeconds: -120 })), /expired/],
  ])('answers 401 for %s', async (_name, auth, detail) => {
    const answer = await call('POST', '/v1/reservations', await auth(), RESERVATION);
    expect(answer.status, JSON.stringify(answer.body)).toBe(401);
    expect(answer.type).toMatch(/^application\/problem\+json/);
    expect(answer.challenge).toMatch(/^Bearer realm="catalog"/);
    expect(String(answer.body.detail)).toMatch(detail);
  });

  it('answers 403 naming the missing scope when the token lacks it', async () => {
    const token = await jwks.sign({ scope: 'catalog:write orders:write' });
    const answer = await call('POST', '/v1/reservations', `Bearer ${token}`, RESERVATION);
    expect(answer.status, JSON.stringify(answer.body)).toBe(403);
    expect(answer.body.missingScopes).toEqual(['catalog:reserve']);
    expect(answer.challenge).toContain('error="insufficient_scope"');
    expect(answer.challenge).toContain('scope="catalog:reserve"');
  });

  it('lets a token with the right scope through to the handler', async () => {
    // reserveStock is implemented in the test copy: 201.
    const reserved = await call('POST', '/v1/reservations', `Bearer ${await jwks.sign({ scope: 'catalog:reserve' })}`, RESERVATION);
    expect(reserved.status, JSON.stringify(reserved.body)).toBe(201);
    expect(reserved.body).toMatchObject({ productId: RESERVATION.productId, quantity: 1 });
    // createProduct is still the generated stub: past auth, it answers 501.
    const created = await call('POST', '/v1/products', `Bearer ${await jwks.sign({ scope: 'catalog:write' })}`, PRODUCT_INPUT);
    expect(created.status, JSON.stringify(created.body)).toBe(501);
  });

  it('needs no token for public operations and health endpoints, and ignores a bad one there', async () => {
    const product = await call('GET', `/v1/products/${GOOD_PRODUCT.id}`, undefined);
    expect(product.status).toBe(200);
    expect(product.body).toMatchObject({ id: GOOD_PRODUCT.id });
    expect((await call('GET', `/v1/products/${GOOD_PRODUCT.id}`, 'Bearer not-a-jwt')).status).toBe(200);
    expect((await call('GET', '/health/live', undefined)).status).toBe(200);
    // Readiness is about dependencies (postgres is not running here), never about tokens.
    const ready = await call('GET', '/health/ready', undefined);
    expect(ready.status).toBe(503);
    expect(ready.body.status).toBe('unavailable');
  });
});
