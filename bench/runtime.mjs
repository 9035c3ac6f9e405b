/**
 * npm run bench:runtime: what the generated runtime costs next to bare Fastify.
 *
 * A: a bare Fastify 5 server (this project's devDependency) serving the same API: every
 *    route of the notes service with the same JSON schemas, plain handlers, no hooks, no
 *    logging, no telemetry: the obvious minimal service (see BARE_SERVER).
 * B: the `notes` service of the generated `minimal` example, with its handlers filled in
 *    (getNote and createNote answer 200/201 JSON instead of 501), run with its defaults:
 *    every request sampled (OTEL_TRACES_SAMPLER_ARG=1), spans and metrics exported over
 *    OTLP/HTTP to a local receiver in this process (which reads and discards them), logs
 *    written to a pipe this process drains. With export on, the service's default is no
 *    access log line per request (the span records it); LOG_REQUESTS=true in this
 *    script's environment measures it with one. BENCH_EXPORT=none runs it with no OTLP
 *    endpoint instead: spans are still created and sampled (their ids go into the logs),
 *    only the export is left out, and the access log is on (the service's default then).
 *
 * Each server runs in its own process; load comes from autocannon in another process, on
 * 127.0.0.1. Rounds alternate the order (A then B, B then A, ...) so drift on a shared
 * machine hits both sides alike; each round starts both servers afresh and measures cold
 * start (spawn to the first 200 on /health/live), and BENCH_COLD_RUNS (10) more spawns of each,
 * alternating, add to the cold start samples. Endpoints: GET /health/live, the traced
 * JSON GET /v1/notes/:noteId, and POST /v1/notes with body validation.
 *
 * B runs as its `npm start` script runs it (node with the V8 flag the generator chooses, see
 * NODE_ARGS in generators/service/index.ts); A with node's defaults, the obvious setup.
 * BENCH_BARE_FLAGS="--min-semi-space-size=16" gives A the same flag, to see what the
 * instrumentation alone costs.
 *
 * Env: BENCH_ROUNDS (5), BENCH_SECONDS (5 per endpoint), BENCH_WARMUP_SECONDS (1),
 * BENCH_CONNECTIONS (10), BENCH_REPO (an already generated and built minimal repo whose
 * handlers this script may overwrite; otherwise one is generated, installed and built in a
 * temporary folder, which takes about 20 s).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 1);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 10);
const EXPORT = process.env.BENCH_EXPORT ?? 'receiver';
const AUTOCANNON = path.join(root, 'node_modules/.bin/autocannon');
const NOTE_ID = '9b2f1c3e-1d2a-4c5b-8e7f-0a1b2c3d4e5f';
const POST_BODY = JSON.stringify({ title: 'Groceries', body: 'Milk, eggs, bread and a little cheese.', tags: ['home', 'weekly'] });

const ENDPOINTS = [
  { name: 'GET /health/live', path: '/health/live', target: 0.9 },
  { name: 'GET /v1/notes/:noteId (traced JSON)', path: `/v1/notes/${NOTE_ID}`, target: 0.6 },
  { name: 'POST /v1/notes (body validation)', path: '/v1/notes', method: 'POST', body: POST_BODY, target: null },
];

// ---- the generated service -------------------------------------------------------------

const HANDLERS = {
  getNote: `  return { id: request.params.noteId, title: 'A note', body: 'Some text', tags: ['a', 'b'], createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' };`,
  createNote: `  reply.code(201);
  return { id: '${NOTE_ID}', title: request.body.title, body: request.body.body, tags: request.body.tags ?? [], createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' };`,
};

/** Replaces the 501 stubs of getNote and createNote with answers (idempotent: a filled handler is left as is). */
function implementHandlers(repo) {
  const file = path.join(repo, 'services/notes/src/handlers/notes.ts');
  let text = readFileSync(file, 'utf8');
  for (const [operation, body] of Object.entries(HANDLERS)) {
    const stub = `  return notImplemented(reply, '${operation}');`;
    if (text.includes(stub)) text = text.replace(stub, body);
    else if (!text.includes(body)) throw new Error(`${file}: no stub for ${operation} and not implemented by this script`);
  }
  writeFileSync(file, text);
}

function prepareRepo() {
  if (process.env.BENCH_REPO) return { repo: path.resolve(process.env.BENCH_REPO), cleanup: () => {} };
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'cas-bench-runtime-'));
  const repo = path.join(tmp, 'minimal');
  console.log(`generating and installing the minimal example in ${repo} ...`);
  execFileSync(process.execPath, [path.join(root, 'bin/create-arch-service.js'), repo, '--example', 'minimal', '--yes'], { stdio: 'ignore' });
  return { repo, cleanup: () => rmSync(tmp, { recursive: true, force: true }) };
}

// ---- the bare server -------------------------------------------------------------------

/**
 * Bare Fastify serving the same API: every route of the generated notes service with the
 * same JSON schemas (its route table and component schemas, read from the built
 * dist/generated/routes.js), plain handlers, no hooks, no logger, no telemetry. What the
 * comparison then measures is what the generated runtime adds to the same API, not the
 * size of the API: a Fastify app with more routes and $ref'd schemas is slower on every
 * route, health included, before any telemetry (BENCH_BARE=minimal: the three measured
 * routes only, with inline schemas, as this script did before).
 */
const BARE_SERVER = `
import Fastify from 'fastify';
const app = Fastify({ logger: false });
const answers = {
  getNote: async (request) => ({ id: request.params.noteId, title: 'A note', body: 'Some text', tags: ['a', 'b'], createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' }),
  createNote: async (request, reply) => {
    reply.code(201);
    return { id: '${NOTE_ID}', title: request.body.title, body: request.body.body, tags: request.body.tags ?? [], createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' };
  },
};
app.get('/health/live', async () => ({ status: 'ok' }));
app.get('/health/ready', async () => ({ status: 'ok', checks: [] }));
if (process.env.BENCH_BARE === 'minimal') {
  const noteInput = {
    type: 'object',
    required: ['title', 'body'],
    properties: { title: { type: 'string', maxLength: 200 }, body: { type: 'string', maxLength: 10000 }, tags: { type: 'array', items: { type: 'string' } } },
  };
  app.get('/v1/notes/:noteId', { schema: { params: { type: 'object', properties: { noteId: { type: 'string' } }, required: ['noteId'] } } }, answers.getNote);
  app.post('/v1/notes', { schema: { body: noteInput } }, answers.createNote);
} else {
  const { routes, components, COMPONENTS_SCHEMA_ID } = await import(process.env.BENCH_ROUTES);
  app.addSchema({ ...components, $id: COMPONENTS_SCHEMA_ID });
  for (const route of routes) app.route({ method: route.method, url: route.url, schema: route.schema, handler: answers[route.operation] ?? (async () => ({})) });
}
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
const stop = () => app.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
`;

// ---- helpers ---------------------------------------------------------------------------

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** An OTLP/HTTP sink: reads every export and answers 200, so the exporters do their full work. */
async function startOtlpSink() {
  let exports = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      exports++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, exports: () => exports, close: () => new Promise((r) => server.close(r)) };
}

/** node's arguments from the service's `npm start` script (`node <args>`): run as its own start script runs it. */
function startArgs(repo) {
  const start = JSON.parse(readFileSync(path.join(repo, 'services/notes/package.json'), 'utf8')).scripts?.start ?? '';
  const [command, ...args] = start.trim().split(/\s+/);
  if (command !== 'node' || args.length === 0) throw new Error(`services/notes/package.json: start script ${JSON.stringify(start)} is not "node <args>"`);
  return args;
}

async function startServer(kind, repo, otlpUrl) {
  const port = await freePort();
  const routesModule = pathToFileURL(path.join(repo, 'services/notes/dist/generated/routes.js')).href;
  const env = { ...process.env, PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'production', BENCH_ROUTES: routesModule };
  const spawned = performance.now();
  const child =
    kind === 'bare'
      ? spawn(process.execPath, [...(process.env.BENCH_BARE_FLAGS?.split(' ').filter(Boolean) ?? []), '--input-type=module', '-e', BARE_SERVER], { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] })
      : spawn(process.execPath, startArgs(repo), {
          cwd: path.join(repo, 'services/notes'),
          env: { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: EXPORT === 'none' ? '' : otlpUrl, OTEL_TRACES_SAMPLER_ARG: '1', OTEL_METRIC_EXPORT_INTERVAL: '5000' },
          // Logs go to a pipe that is drained, as under a container runtime.
          stdio: ['ignore', 'pipe', 'inherit'],
        });
  child.stdout?.resume();
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${kind} server exited with ${child.exitCode} before answering`);
    try {
      const res = await fetch(`${url}/health/live`);
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (performance.now() - spawned > 20_000) {
      child.kill('SIGKILL');
      throw new Error(`${kind} server did not answer within 20 s`);
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  const coldStartMs = performance.now() - spawned;
  return {
    url,
    coldStartMs,
    async stop(signal = 'SIGTERM') {
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** autocannon in its own process; returns req/s (mean), p99 latency (ms) and failures. */
function load(url, endpoint, seconds) {
  const args = ['--json', '-c', String(CONNECTIONS), '-d', String(seconds)];
  if (endpoint.method) args.push('-m', endpoint.method);
  if (endpoint.body) args.push('-H', 'content-type=application/json', '-b', endpoint.body);
  args.push(`${url}${endpoint.path}`);
  return new Promise((resolve, reject) => {
    const child = spawn(AUTOCANNON, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited with ${code}: ${err}`));
      const r = JSON.parse(out);
      resolve({ rps: r.requests.average, p99: r.latency.p99, failures: r.non2xx + r.errors + r.timeouts, total: r.requests.total });
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// ---- run -------------------------------------------------------------------------------

const { repo, cleanup } = prepareRepo();
const sink = await startOtlpSink();
try {
  implementHandlers(repo);
  execFileSync('npm', ['run', 'build', '--silent', '-w', 'services/notes'], { cwd: repo, stdio: ['ignore', 'ignore', 'inherit'] });

  const results = { bare: { cold: [], byEndpoint: ENDPOINTS.map(() => []) }, generated: { cold: [], byEndpoint: ENDPOINTS.map(() => []) } };
  if (!['receiver', 'none'].includes(EXPORT)) throw new Error(`BENCH_EXPORT=${EXPORT}: must be receiver or none`);
  console.log(`runtime bench: ${ROUNDS} rounds x ${ENDPOINTS.length} endpoints x ${SECONDS} s, ${CONNECTIONS} connections, ${os.cpus().length} CPUs, Node ${process.version}`);
  const accessLog = process.env.LOG_REQUESTS ?? (EXPORT === 'none' ? 'true' : 'false');
  console.log(
    `generated service: every request sampled, OTLP export ${EXPORT === 'none' ? 'off (BENCH_EXPORT=none)' : 'to a local receiver'}, access log ${accessLog === 'true' ? 'on' : 'off'} (LOG_REQUESTS=${accessLog})`,
  );
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? ['bare', 'generated'] : ['generated', 'bare'];
    for (const kind of order) {
      const server = await startServer(kind, repo, sink.url);
      results[kind].cold.push(server.coldStartMs);
      try {
        for (const [i, endpoint] of ENDPOINTS.entries()) {
          if (WARMUP > 0) await load(server.url, endpoint, WARMUP);
          const r = await load(server.url, endpoint, SECONDS);
          if (r.failures > 0) throw new Error(`${kind} ${endpoint.name}: ${r.failures} of ${r.total} requests failed`);
          results[kind].byEndpoint[i].push(r);
          console.log(`  round ${round + 1} ${kind.padEnd(9)} ${endpoint.name.padEnd(38)} ${r.rps.toFixed(0).padStart(6)} req/s  p99 ${String(r.p99).padStart(3)} ms`);
        }
      } finally {
        await server.stop();
      }
    }
  }

  // Cold start on its own: many short spawns, alternating, since one spawn per round is noisy.
  for (let i = 0; i < COLD_RUNS; i++) {
    for (const kind of i % 2 === 0 ? ['bare', 'generated'] : ['generated', 'bare']) {
      const server = await startServer(kind, repo, sink.url);
      results[kind].cold.push(server.coldStartMs);
      await server.stop('SIGKILL');
    }
  }

  const missed = [];
  console.log('\nmedians over rounds            bare req/s  p99 | generated req/s  p99 | ratio (median of per-round ratios)  target');
  for (const [i, endpoint] of ENDPOINTS.entries()) {
    const a = { rps: median(results.bare.byEndpoint[i].map((r) => r.rps)), p99: median(results.bare.byEndpoint[i].map((r) => r.p99)) };
    const b = { rps: median(results.generated.byEndpoint[i].map((r) => r.rps)), p99: median(results.generated.byEndpoint[i].map((r) => r.p99)) };
    // Ratio per round (A and B measured minutes apart at most), then the median: steadier
    // on a shared machine than the ratio of the two medians.
    const ratio = median(results.generated.byEndpoint[i].map((r, round) => r.rps / results.bare.byEndpoint[i][round].rps));
    const target = endpoint.target === null ? '-' : `>= ${endpoint.target}x ${ratio >= endpoint.target ? 'ok' : 'MISSED'}`;
    if (endpoint.target !== null && ratio < endpoint.target) missed.push(endpoint.name);
    console.log(
      `  ${endpoint.name.padEnd(36)} ${a.rps.toFixed(0).padStart(6)} ${String(a.p99).padStart(4)} | ${b.rps.toFixed(0).padStart(11)} ${String(b.p99).padStart(4)} | ${ratio.toFixed(2)}x  ${target}`,
    );
  }
  const coldA = median(results.bare.cold);
  const coldB = median(results.generated.cold);
  const coldRatio = coldB / coldA;
  if (coldRatio > 1.5) missed.push('cold start');
  console.log(`  ${`cold start, median of ${results.bare.cold.length}`.padEnd(36)} ${coldA.toFixed(0).padStart(6)} ms     | ${coldB.toFixed(0).padStart(11)} ms      | ${coldRatio.toFixed(2)}x  <= 1.5x ${coldRatio <= 1.5 ? 'ok' : 'MISSED'}`);
  console.log(`  OTLP exports received from the generated service: ${sink.exports()}`);
  if (missed.length > 0) {
    console.log(`\ntargets missed: ${missed.join(', ')}`);
    process.exitCode = 1;
  }
} finally {
  await sink.close();
  cleanup();
}
