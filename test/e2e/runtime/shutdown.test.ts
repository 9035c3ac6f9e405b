/**
 * Issue 6, item 5: graceful shutdown under load. catalog (its getProduct takes 100 ms, so
 * dozens of requests are always in flight) is loaded by autocannon in a separate process;
 * SIGTERM arrives mid-load. Readiness answers 503 at once, every request the server accepted
 * is answered 2xx, the only failures are refused connections after the listener closed, and
 * the process exits 0 well within the drain timeout (SHUTDOWN_GRACE_MS, the plan's value),
 * even with a client keeping an idle connection open. With SHUTDOWN_DELAY_MS the service
 * keeps serving (readiness 503) for that long before it stops listening.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { startService, type ServiceProcess } from '../../helpers/service-process.js';
import { GOOD_PRODUCT, shopRuntimeRepo } from './shop-runtime.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const LOAD_SECONDS = 4;
const CONNECTIONS = 40;
const HANDLER_MS = 100;

interface LoadReport {
  byStatus: Record<string, number>;
  errorsByCode: Record<string, number>;
  timeouts: number;
  total: number;
}

function runLoad(url: string): Promise<LoadReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(here, 'load-client.mjs'), url, String(LOAD_SECONDS), String(CONNECTIONS)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c));
    child.stderr.on('data', (c: Buffer) => (err += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), (LOAD_SECONDS + 20) * 1000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`load client exited with ${code}: ${err}`));
      resolve(JSON.parse(out) as LoadReport);
    });
  });
}

/** GET on a keep-alive agent; resolves with status and JSON body, or the error code. */
function get(url: string, agent: http.Agent): Promise<{ status: number; body: Record<string, unknown>; at: number } | { error: string; at: number }> {
  return new Promise((resolve) => {
    http
      .get(url, { agent }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown>, at: performance.now() }));
      })
      .on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message, at: performance.now() }));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('graceful shutdown under load', () => {
  let repo: string;
  let catalog: ServiceProcess | undefined;
  let graceMs: number;

  beforeAll(async () => {
    repo = await shopRuntimeRepo(inject('e2eRoot'));
    const { loadConfig } = (await import(pathToFileURL(path.join(repo, 'services/catalog/dist/config.js')).href)) as { loadConfig(env: Record<string, string>): { shutdownGraceMs: number } };
    graceMs = loadConfig({}).shutdownGraceMs;
  });

  afterEach(async () => {
    await catalog?.stop('SIGKILL');
    catalog = undefined;
  });

  const boot = async (env: Record<string, string> = {}) =>
    (catalog = await startService({
      cwd: path.join(repo, 'services/catalog'),
      via: 'node',
      env: { TEST_HANDLER_DELAY_MS: String(HANDLER_MS), LOG_REQUESTS: 'false', OTEL_EXPORTER_OTLP_ENDPOINT: undefined, SHUTDOWN_GRACE_MS: undefined, ...env },
    }));

  /** Every answer 200; the only failures refused connections (after the listener closed); no timeouts. */
  function expectNoAcceptedRequestFailed(report: LoadReport) {
    const notOk = Object.entries(report.byStatus).filter(([s]) => s !== '200');
    const lost = Object.entries(report.errorsByCode).filter(([code]) => code !== 'ECONNREFUSED');
    // Under load: CONNECTIONS requests every HANDLER_MS, about 600 in the 1.5 s before SIGTERM.
    expect(report.byStatus['200'] ?? 0, JSON.stringify(report)).toBeGreaterThan(200);
    expect(notOk, JSON.stringify(report)).toEqual([]);
    expect(lost, JSON.stringify(report)).toEqual([]);
    expect(report.timeouts, JSON.stringify(report)).toBe(0);
  }

  it('flips readiness to 503, completes accepted requests and exits 0 within the drain timeout', async () => {
    const catalog = await boot();
    const productUrl = `${catalog.url}/v1/products/${GOOD_PRODUCT.id}`;
    const load = runLoad(productUrl);
    await sleep(1500);

    // A request of our own in flight on a kept-alive connection; the readiness probe queued
    // behind it goes out on the same connection once it is answered, after SIGTERM.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const inFlight = get(productUrl, agent);
    // Another client whose request is in flight at SIGTERM and which then keeps its
    // connection open, idle: it must not hold the drain open until the grace period ends.
    const idleAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const idleClient = get(productUrl, idleAgent);
    await sleep(HANDLER_MS / 4);
    const sigtermAt = performance.now();
    catalog.child.kill('SIGTERM');
    const probe = get(`${catalog.url}/health/ready`, agent);

    const [own, ready, idle] = await Promise.all([inFlight, probe, idleClient]);
    expect(own, JSON.stringify(own)).toMatchObject({ status: 200 });
    expect(idle, JSON.stringify(idle)).toMatchObject({ status: 200 });
    expect(ready, JSON.stringify(ready)).toMatchObject({ status: 503, body: { status: 'draining' } });
    // "At once": right after our in-flight request, not after the drain.
    expect(ready.at - sigtermAt).toBeLessThan(HANDLER_MS + 500);
    agent.destroy();

    // No new connections once the server stopped listening.
    const late = await get(`${catalog.url}/health/live`, new http.Agent());
    expect(late).toMatchObject({ error: 'ECONNREFUSED' });

    const exited = await catalog.exited;
    const exitMs = performance.now() - sigtermAt;
    idleAgent.destroy();
    expect(exited.code, catalog.logs.join('\n')).toBe(0);
    // Draining takes as long as the slowest request (100 ms), not the grace period.
    expect(graceMs).toBeGreaterThan(3000);
    expect(exitMs, catalog.logs.join('\n')).toBeLessThan(3000);

    expectNoAcceptedRequestFailed(await load);
  });

  it('with SHUTDOWN_DELAY_MS keeps serving, readiness 503 to new connections, before it closes', async () => {
    const delayMs = 600;
    const catalog = await boot({ SHUTDOWN_DELAY_MS: String(delayMs) });
    const productUrl = `${catalog.url}/v1/products/${GOOD_PRODUCT.id}`;
    const load = runLoad(productUrl);
    await sleep(1500);
    const sigtermAt = performance.now();
    catalog.child.kill('SIGTERM');
    await sleep(50);
    // Fresh connections during the delay: readiness says draining, liveness and the API still answer.
    const ready = await get(`${catalog.url}/health/ready`, new http.Agent());
    expect(ready, JSON.stringify(ready)).toMatchObject({ status: 503, body: { status: 'draining' } });
    expect(ready.at - sigtermAt).toBeLessThan(delayMs);
    expect(await get(`${catalog.url}/health/live`, new http.Agent())).toMatchObject({ status: 200 });
    expect(await get(productUrl, new http.Agent())).toMatchObject({ status: 200 });

    const exited = await catalog.exited;
    expect(exited.code, catalog.logs.join('\n')).toBe(0);
    const exitMs = performance.now() - sigtermAt;
    expect(exitMs).toBeGreaterThanOrEqual(delayMs);
    expect(exitMs, catalog.logs.join('\n')).toBeLessThan(delayMs + 3000);
    expectNoAcceptedRequestFailed(await load);
  });
});
