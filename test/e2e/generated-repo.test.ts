/**
 * The foundation's promise, end to end, for both bundled examples: the CLI writes a repo
 * and installs it (global setup), `npm run build` and `npm test` pass inside it, `npm start`
 * boots every service on 127.0.0.1, health answers as documented, every operation in each
 * openapi.yaml is routed (501 problem+json until implemented), a request that breaks the
 * schema gets 400 problem+json naming the field, and spans reach an OTLP receiver with the
 * trace id in the log line.
 */
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startJwks, type JwksServer } from '../helpers/jwks.js';
import { startOtlpReceiver } from '../helpers/otlp-receiver.js';
import { sampleRequest } from '../helpers/sample-request.js';
import { startService, type ServiceProcess } from '../helpers/service-process.js';
import { projectRoot } from '../helpers/plans.js';

const run = promisify(execFile);
const root = inject('e2eRoot');
const setup = inject('e2eSetup');

interface Plan {
  name: string;
  auth?: { kind: string; issuer?: string; audience?: string };
  services: { name: string; datastore?: unknown; dependsOn?: { service: string }[]; publishes?: string[]; consumes?: string[] }[];
}

function readPlan(example: string): Plan {
  return JSON.parse(readFileSync(path.join(root, example, 'arch.plan.json'), 'utf8')) as Plan;
}

function walk(dir: string, base = dir, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === 'dist' || entry === 'package-lock.json') continue;
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) walk(full, base, out);
    else out.push(path.relative(base, full));
  }
  return out.sort();
}

/** Required top-level properties of an operation's JSON request body, following $refs. */
function requiredBodyFields(doc: Record<string, any>, p: string, method: string): string[] {
  const resolve = (node: any): any => (node?.$ref ? resolve(node.$ref.slice(2).split('/').reduce((o: any, k: string) => o?.[k], doc)) : node);
  const body = resolve(doc.paths?.[p]?.[method]?.requestBody);
  const json = Object.entries(body?.content ?? {}).find(([t]) => t.includes('json'))?.[1] as { schema?: unknown } | undefined;
  return (resolve(json?.schema)?.required as string[] | undefined) ?? [];
}

describe.each(['minimal', 'shop'])('generated %s repo', (example) => {
  const repo = path.join(root, example);
  let jwks: JwksServer | undefined;

  beforeAll(async () => {
    const plan = readPlan(example);
    if (plan.auth?.kind === 'jwt') jwks = await startJwks(plan.auth.issuer ?? '', plan.auth.audience ?? '');
  });
  afterAll(async () => jwks?.close());

  it('was written and installed by the CLI', () => {
    expect(setup[example]!.generate.output).toMatch(/created/);
    expect(setup[example]!.generate.ok, setup[example]!.generate.output).toBe(true);
    expect(statSync(path.join(repo, 'node_modules')).isDirectory()).toBe(true);
  });

  it('builds (npm run build)', () => {
    expect(setup[example]!.build.ok, setup[example]!.build.output).toBe(true);
  });

  it('passes its own tests (npm test)', async () => {
    const { stdout, stderr } = await run('npm', ['test'], { cwd: repo, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, CI: 'true' } }).catch((e: { stdout: string; stderr: string }) => {
      throw new Error(`npm test failed in ${repo}:\n${e.stdout}\n${e.stderr}`);
    });
    expect(`${stdout}${stderr}`).toMatch(/passed/);
  });

  it('is byte-identical when generated again from the same plan', async () => {
    const again = path.join(root, `${example}-again`);
    await run(process.execPath, [path.join(projectRoot, 'bin/create-arch-service.js'), again, '--plan', path.join(repo, 'arch.plan.json'), '--yes', '--no-install']);
    const files = walk(again);
    expect(walk(repo).filter((f) => !f.startsWith('.arch/'))).toEqual(files.filter((f) => !f.startsWith('.arch/')));
    for (const f of files) expect(readFileSync(path.join(again, f), 'utf8'), f).toBe(readFileSync(path.join(repo, f), 'utf8'));
  });

  describe('every service boots with npm start', () => {
    const plan = readPlan(example);
    it.each(plan.services.map((s) => s.name))('%s: health, every operation routed, 400 on a bad request', async (name) => {
      const cwd = path.join(repo, 'services', name);
      const svc: ServiceProcess = await startService({
        cwd,
        via: 'npm',
        env: { JWT_JWKS_URL: jwks?.jwksUrl, LOG_LEVEL: 'warn', OTEL_EXPORTER_OTLP_ENDPOINT: undefined },
      });
      try {
        const live = await fetch(`${svc.url}/health/live`);
        expect(live.status).toBe(200);

        const ready = await fetch(`${svc.url}/health/ready`);
        const readyBody = (await ready.json()) as { status: string; checks?: { name: string; ok: boolean }[] };
        const spec = plan.services.find((s) => s.name === name)!;
        const hasDeps = Boolean(spec.datastore) || [spec.dependsOn, spec.publishes, spec.consumes].some((l) => (l ?? []).length > 0);
        if (!hasDeps) expect(ready.status).toBe(200);
        else {
          // Nothing else runs here (no database, no broker, no other service): readiness names what is missing.
          expect(ready.status).toBe(503);
          const failed = (readyBody.checks ?? []).filter((c) => !c.ok).map((c) => c.name);
          expect(failed.length).toBeGreaterThan(0);
          for (const dep of spec.dependsOn ?? []) expect(failed.join(' ')).toContain(dep.service);
          if (spec.datastore) expect(failed.join(' ')).toMatch(/database|datastore|postgres|db/i);
        }

        const doc = parse(readFileSync(path.join(cwd, 'openapi.yaml'), 'utf8')) as { paths: Record<string, Record<string, { security?: { bearerAuth?: string[] }[] }>> };
        let badRequestChecked = false;
        for (const [p, item] of Object.entries(doc.paths)) {
          for (const [method, op] of Object.entries(item)) {
            if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
            const req = sampleRequest(doc, p, method);
            const scopes = op.security?.[0]?.bearerAuth;
            const headers: Record<string, string> = { ...req.headers };
            if (scopes && jwks) headers.authorization = `Bearer ${await jwks.sign({ scope: scopes.join(' ') })}`;
            const res = await fetch(`${svc.url}${req.path}`, { method: req.method, headers, body: req.body });
            const text = await res.text();
            expect(res.status, `${method.toUpperCase()} ${req.path}: ${text}`).toBe(501);
            expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
            expect(JSON.parse(text)).toMatchObject({ status: 501 });

            const required = requiredBodyFields(doc, p, method);
            if (!badRequestChecked && required.length && headers['content-type']?.includes('json')) {
              // Break the schema: drop every field. The 400 must name a missing required field.
              const bad = await fetch(`${svc.url}${req.path}`, { method: req.method, headers, body: '{}' });
              const problem = (await bad.json()) as { status: number; detail?: string; errors?: unknown };
              expect(bad.status).toBe(400);
              expect(bad.headers.get('content-type')).toMatch(/application\/problem\+json/);
              expect(JSON.stringify(problem)).toMatch(new RegExp(required.join('|')));
              badRequestChecked = true;
            }
          }
        }
      } finally {
        const stopped = await svc.stop();
        expect(stopped.code === 0 || stopped.signal === 'SIGTERM', svc.logs.join('\n')).toBe(true);
      }
    });
  });
});

describe('telemetry reaches an OTLP receiver', () => {
  it('a request produces a span with the service name, and its log line carries the same trace id', async () => {
    const receiver = await startOtlpReceiver();
    const svc = await startService({
      cwd: path.join(root, 'minimal', 'services', 'notes'),
      // The access log is off by default when spans are exported; its line is the one checked here.
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, LOG_LEVEL: 'info', LOG_REQUESTS: 'true', OTEL_BSP_SCHEDULE_DELAY: '100', OTEL_METRIC_EXPORT_INTERVAL: '500' },
    });
    try {
      const res = await fetch(`${svc.url}/v1/notes`);
      expect(res.status).toBe(501);
      const span = await receiver.waitFor(() => receiver.spans.find((s) => s.service === 'notes' && /notes/.test(s.name)));
      expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(span.resource['service.version']).toBeDefined();
      const logged = svc.jsonLogs().filter((l) => l.trace_id === span.traceId);
      expect(logged.length, svc.logs.join('\n')).toBeGreaterThan(0);
      const metric = await receiver.waitFor(() => receiver.metrics.find((m) => m.service === 'notes' && m.name === 'http.server.request.duration'));
      expect(metric.points.length).toBeGreaterThan(0);
    } finally {
      await svc.stop();
      await receiver.close();
    }
  });
});
