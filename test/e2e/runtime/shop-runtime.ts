/**
 * Shared set-up of the runtime tests: a copy of the generated `shop` repo whose handlers
 * do real work (orders.placeOrder calls catalog and payments through the generated
 * clients; catalog and payments answer valid bodies), built once per e2e run and reused by
 * every file under test/e2e/runtime. Plus small fakes a test controls: a dependency that
 * answers what the test says and records every request, and TCP listeners standing in for
 * postgres and nats so readiness can be green.
 *
 * The copy is made from the repo the e2e global setup generated and installed
 * (inject('e2eRoot')/shop); the shared repo itself is never modified.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const PRODUCT_ID = '5f0c1d7e-3b1a-4c2e-9d4f-1a2b3c4d5e6f';

/** The product catalog answers, both from its implemented handler and from the fake used in fault tests. */
export const GOOD_PRODUCT = {
  id: PRODUCT_ID,
  sku: 'SKU-1',
  name: 'Teapot',
  priceCents: 1250,
  currency: 'EUR',
  stock: 10,
  updatedAt: '2026-01-01T00:00:00.000Z',
};

/** Handler bodies written over the 501 stubs, per service and operation. */
const IMPLEMENTATIONS: Record<string, { file: string; imports?: string; bodies: Record<string, string> }> = {
  orders: {
    file: 'services/orders/src/handlers/orders.ts',
    imports: "import { randomUUID } from 'node:crypto';",
    bodies: {
      placeOrder: `  const { catalog, payments } = request.clients;
  // The caller's token goes on to catalog and payments, which check their own scopes.
  const forward = { authorization: request.headers.authorization };
  const orderId = randomUUID();
  const lines = [];
  for (const line of request.body.lines) {
    const product = await catalog.getProduct({ params: { productId: line.productId } }, { headers: forward });
    await catalog.reserveStock(
      { body: { productId: line.productId, quantity: line.quantity, orderId } },
      { headers: forward, idempotencyKey: \`reserve-\${orderId}-\${line.productId}\` },
    );
    lines.push({ productId: line.productId, quantity: line.quantity, unitPriceCents: product.priceCents });
  }
  const totalCents = lines.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0);
  const payment = await payments.capturePayment(
    { body: { orderId, amountCents: totalCents, currency: request.body.currency, paymentMethodToken: request.body.paymentMethodToken } },
    { headers: forward, idempotencyKey: \`pay-\${orderId}\` },
  );
  request.log.info({ orderId, paymentId: payment.id }, 'order placed');
  reply.code(201);
  return {
    id: orderId,
    customerId: String(request.user?.sub ?? 'anonymous'),
    status: 'paid',
    lines,
    totalCents,
    currency: request.body.currency,
    paymentId: payment.id,
    createdAt: new Date().toISOString(),
  };`,
    },
  },
  catalog: {
    file: 'services/catalog/src/handlers/catalog.ts',
    imports: "import { randomUUID } from 'node:crypto';",
    bodies: {
      // TEST_HANDLER_DELAY_MS gives requests a life span, so shutdown has in-flight work to drain.
      getProduct: `  const delayMs = Number(process.env.TEST_HANDLER_DELAY_MS ?? 0);
  if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
  return { ...${JSON.stringify(GOOD_PRODUCT)}, id: request.params.productId };`,
      reserveStock: `  reply.code(201);
  return { reservationId: randomUUID(), productId: request.body.productId, quantity: request.body.quantity, expiresAt: '2026-01-01T00:15:00.000Z' };`,
    },
  },
  payments: {
    file: 'services/payments/src/handlers/payments.ts',
    imports: "import { randomUUID } from 'node:crypto';",
    bodies: {
      capturePayment: `  reply.code(201);
  return {
    id: randomUUID(),
    orderId: request.body.orderId,
    amountCents: request.body.amountCents,
    currency: request.body.currency,
    status: 'captured',
    createdAt: new Date().toISOString(),
  };`,
    },
  },
};

function implement(repo: string): void {
  for (const impl of Object.values(IMPLEMENTATIONS)) {
    const file = path.join(repo, impl.file);
    let text = readFileSync(file, 'utf8');
    for (const [operation, body] of Object.entries(impl.bodies)) {
      const stub = `  return notImplemented(reply, '${operation}');`;
      if (!text.includes(stub)) throw new Error(`${file}: no 501 stub for ${operation}; the handler template changed`);
      text = text.replace(stub, body);
    }
    if (impl.imports) text = text.replace(/^(import .*\n)/m, `${impl.imports}\n$1`);
    writeFileSync(file, text);
  }
}

/**
 * The implemented copy of the shop repo under the e2e root, made and built on first use
 * (about 10 s) and reused by the next test files of the same run.
 */
export async function shopRuntimeRepo(e2eRoot: string): Promise<string> {
  const repo = path.join(e2eRoot, 'shop-runtime');
  const marker = path.join(repo, '.runtime-ready');
  if (existsSync(marker)) return repo;
  const source = path.join(e2eRoot, 'shop');
  if (!existsSync(path.join(source, 'node_modules'))) throw new Error(`${source} is not installed: the e2e global setup failed (see ${e2eRoot}/setup.json)`);
  // node_modules is hoisted at the repo root; workspace links are relative and stay valid in the copy.
  cpSync(source, repo, { recursive: true, verbatimSymlinks: true });
  implement(repo);
  await Promise.all(
    Object.keys(IMPLEMENTATIONS).map((service) =>
      run('npm', ['run', 'build', '--silent'], { cwd: path.join(repo, 'services', service) }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
        throw new Error(`building ${service} in ${repo} failed:\n${error.stdout ?? ''}${error.stderr ?? error.message}`);
      }),
    ),
  );
  writeFileSync(marker, 'built\n');
  return repo;
}

// ---- fakes -------------------------------------------------------------------------------

export interface RecordedRequest {
  at: number;
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** The path of a request URL, without its query. */
const pathOf = (url: string): string => url.split('?', 1)[0] ?? url;

export type FakeAnswer =
  | { status: number; body?: unknown; delayMs?: number; contentType?: string }
  /** Never answer (the socket stays open until the fake closes). */
  | 'hang';

export interface FakeDependency {
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Requests to one path (query excluded), health probes left out unless asked for. */
  calls(pathPrefix: string): RecordedRequest[];
  close(): Promise<void>;
}

/**
 * A stand-in for a service on 127.0.0.1. `answer` decides each reply; /health/live answers
 * 200 unless `answer` handles it. Every request is recorded with its arrival time.
 */
export async function startFakeDependency(answer: (req: RecordedRequest, nth: number) => FakeAnswer): Promise<FakeDependency> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded: RecordedRequest = { at: performance.now(), method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(recorded);
      const nth = requests.filter((r) => r.method === recorded.method && pathOf(r.url) === pathOf(recorded.url)).length;
      const a = answer(recorded, nth);
      if (a === 'hang') return;
      const send = () => {
        const body = a.body === undefined ? '' : JSON.stringify(a.body);
        res.writeHead(a.status, { 'content-type': a.contentType ?? (a.status >= 400 ? 'application/problem+json' : 'application/json') });
        res.end(body);
      };
      if (a.delayMs) {
        const t = setTimeout(() => {
          timers.delete(t);
          send();
        }, a.delayMs);
        timers.add(t);
      } else send();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    calls: (prefix) => requests.filter((r) => pathOf(r.url).startsWith(prefix)),
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Accepts TCP connections and does nothing else: enough for a TCP readiness check (postgres, nats). */
export async function startTcpListener(): Promise<{ url(scheme: string): string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: (scheme) => `${scheme}://127.0.0.1:${port}/db`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}


/** A valid placeOrder body (one line). */
export const PLACE_ORDER_BODY = {
  lines: [{ productId: PRODUCT_ID, quantity: 2 }],
  currency: 'EUR',
  paymentMethodToken: 'tok_visa',
  email: 'ada@example.com',
};

/** Fake answers for catalog and payments that make placeOrder succeed. */
export const GOOD_RESERVATION = { reservationId: '0c7d2b1e-8f3a-4d5c-9b6e-2f1a3c4d5e6f', productId: GOOD_PRODUCT.id, quantity: 2, expiresAt: '2026-01-01T00:15:00.000Z' };
export const GOOD_PAYMENT = { id: '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', orderId: GOOD_PRODUCT.id, amountCents: 2500, currency: 'EUR', status: 'captured', createdAt: '2026-01-01T00:00:00.000Z' };

/** Scopes a caller of placeOrder needs, including those orders forwards to catalog and payments. */
export const CHECKOUT_SCOPES = 'orders:write catalog:reserve payments:capture';
