import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { composeGenerator } from '../../generators/compose/index.js';
import { BROKER_KINDS, DATASTORE_KINDS, type Plan } from '../../src/plan/schema.js';
import { normalizePlan, type NormalizedPlan } from '../../src/plan/normalize.js';
import { validatePlan } from '../../src/plan/validate.js';
import type { FileSpec, GeneratorContext } from '../../generators/types.js';
import { renderSystem } from '../../src/render/pipeline.js';

// ajv-formats is CommonJS with a default export; under NodeNext its callable is `.default`.
type AddFormats = (ajv: object) => unknown;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ?? addFormatsModule) as unknown as AddFormats;

const root = path.resolve(import.meta.dirname, '../..');
const example = (name: string): Plan => validatePlan(JSON.parse(readFileSync(path.join(root, 'examples', `${name}.json`), 'utf8')));

function ctx(plan: NormalizedPlan): GeneratorContext {
  return { plan, apis: new Map(), specTexts: new Map(), version: '0.0.0-test' };
}

async function render(plan: Plan): Promise<Map<string, FileSpec>> {
  const files = await composeGenerator.files(ctx(normalizePlan(plan)));
  return new Map(files.map((f) => [f.path, f]));
}

const schema = JSON.parse(readFileSync(path.join(root, 'test/fixtures/schemas/compose-spec.json'), 'utf8')) as object;
const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
addFormats(ajv);
const validateCompose = ajv.compile(schema);

interface ComposeService {
  image?: string;
  build?: unknown;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  ports?: string[];
}
interface ComposeFile {
  name: string;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** shop with every datastore switched to `ds` and the broker to `broker`: covers each pinned image and healthcheck. */
function shopWith(ds: (typeof DATASTORE_KINDS)[number], broker: (typeof BROKER_KINDS)[number]): Plan {
  const plan = structuredClone(example('shop'));
  for (const s of plan.services) if (s.datastore) s.datastore = { kind: ds };
  plan.broker = { kind: broker };
  return validatePlan(plan);
}

const cases: [string, Plan][] = [
  ['minimal', example('minimal')],
  ['shop', example('shop')],
  ...DATASTORE_KINDS.map((ds, i): [string, Plan] => [`shop with ${ds} and ${BROKER_KINDS[i]}`, shopWith(ds, BROKER_KINDS[i]!)]),
];

describe('compose generator', () => {
  it.each(cases)('%s: docker-compose.yml validates against the Compose Specification schema', async (_name, plan) => {
    const files = await render(plan);
    const doc = parse(files.get('docker-compose.yml')!.content!) as ComposeFile;
    const ok = validateCompose(doc);
    expect(validateCompose.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the schema check is real: a wrong depends_on condition or an unknown key is rejected', async () => {
    const doc = parse((await render(example('shop'))).get('docker-compose.yml')!.content!) as ComposeFile;
    doc.services.orders!.depends_on!.catalog = { condition: 'service_ready' };
    (doc.services.orders as Record<string, unknown>).helthcheck = {};
    expect(validateCompose(doc)).toBe(false);
    const paths = (validateCompose.errors ?? []).map((e) => e.instancePath);
    expect(paths).toEqual(expect.arrayContaining(['/services/orders/depends_on/catalog/condition', '/services/orders']));
  });

  it.each(cases)('%s: every container has a healthcheck, a pinned image, and waits for healthy dependencies', async (_name, plan) => {
    const n = normalizePlan(plan);
    const doc = parse((await render(plan)).get('docker-compose.yml')!.content!) as ComposeFile;
    const names = Object.keys(doc.services);
    for (const [name, svc] of Object.entries(doc.services)) {
      expect(svc.healthcheck?.test[0], `${name} healthcheck`).toBe('CMD');
      expect(svc.image, `${name} image`).toMatch(/^[a-z0-9./_-]+:[A-Za-z0-9._-]+$/);
      expect(svc.image!.endsWith(':latest'), `${name} image is not latest`).toBe(false);
      for (const [dep, cond] of Object.entries(svc.depends_on ?? {})) {
        expect(names, `${name} depends on ${dep}`).toContain(dep);
        expect(cond.condition).toBe('service_healthy');
      }
    }
    for (const s of n.services) {
      const svc = doc.services[s.name]!;
      expect(svc.build).toBe(`./services/${s.name}`);
      expect((svc as Record<string, unknown>).pull_policy).toBe('build');
      expect(svc.environment!.PORT).toBe(String(s.port));
      expect(svc.ports).toEqual([`127.0.0.1:${s.port}:${s.port}`]);
      const want = [...s.dependencies.map((d) => d.service), ...(s.datastore ? [s.datastore.host] : []), ...(s.usesBroker ? ['broker'] : []), 'otel-collector'];
      expect(Object.keys(svc.depends_on!)).toEqual(want);
      for (const d of s.dependencies) expect(svc.environment![d.urlEnv]).toBe(d.defaultUrl);
      expect(svc.environment!.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://otel-collector:4318');
      if (s.datastore) expect(svc.environment!.DATABASE_URL).toContain(`${s.datastore.host}:${s.datastore.port}/`);
      if (s.usesJwt) expect(Object.keys(svc.environment!)).toEqual(expect.arrayContaining(['JWT_JWKS_URL', 'JWT_ISSUER', 'JWT_AUDIENCE']));
    }
    expect(doc.services['otel-collector']).toBeDefined();
    expect(doc.services.jaeger!.ports).toContain('127.0.0.1:16686:16686');
  });

  it.each(cases)('%s: no secret is written inline; passwords are required compose variables', async (_name, plan) => {
    const text = (await render(plan)).get('docker-compose.yml')!.content!;
    expect(text).not.toContain('change-me');
    const doc = parse(text) as ComposeFile;
    for (const [name, svc] of Object.entries(doc.services)) {
      for (const [key, value] of Object.entries(svc.environment ?? {})) {
        // MYSQL_RANDOM_ROOT_PASSWORD=yes is a switch, not a password: the root password is random and never used.
        if (/PASSWORD|_PASS$|SECRET/.test(key) && key !== 'MYSQL_RANDOM_ROOT_PASSWORD') expect(value, `${name}.${key}`).toMatch(/^\$\{[A-Z0-9_]+:\?[^}]*\}$/);
        const inUrl = /^[a-z]+:\/\/[^:/@]+:([^@]*)@/.exec(value);
        if (inUrl) expect(inUrl[1], `${name}.${key} password`).toMatch(/^\$\{[A-Z0-9_]+:\?[^}]*\}$/);
      }
    }
  });

  it('builds the collector from the pinned contrib image plus a busybox probe, and its config wires every pipeline', async () => {
    const files = await render(example('shop'));
    const dockerfile = files.get('infra/otel-collector.Dockerfile')!.content!;
    expect(dockerfile).toMatch(/^FROM busybox:1\.37\.0-musl AS probe$/m);
    expect(dockerfile).toMatch(/^FROM otel\/opentelemetry-collector-contrib:0\.\d+\.\d+$/m);
    expect(dockerfile).toContain('COPY --from=probe /bin/busybox /probe/busybox');
    const compose = parse(files.get('docker-compose.yml')!.content!) as ComposeFile;
    expect(compose.services['otel-collector']!.healthcheck!.test.slice(0, 3)).toEqual(['CMD', '/probe/busybox', 'wget']);
    expect(compose.services['otel-collector']!.healthcheck!.test.at(-1)).toBe('http://127.0.0.1:13133/');

    const config = parse(files.get('infra/otel-collector.yaml')!.content!) as {
      extensions: Record<string, unknown>;
      receivers: Record<string, unknown>;
      processors: Record<string, unknown>;
      exporters: Record<string, { endpoint?: string }>;
      service: { extensions: string[]; pipelines: Record<string, { receivers: string[]; processors: string[]; exporters: string[] }> };
    };
    expect(config.extensions.health_check).toEqual({ endpoint: '0.0.0.0:13133' });
    expect(Object.keys(config.service.pipelines).sort()).toEqual(['metrics', 'traces']);
    for (const p of Object.values(config.service.pipelines)) {
      for (const r of p.receivers) expect(config.receivers).toHaveProperty([r]);
      for (const r of p.processors) expect(config.processors).toHaveProperty([r]);
      for (const r of p.exporters) expect(config.exporters).toHaveProperty([r]);
    }
    expect(config.exporters['otlp/jaeger']!.endpoint).toBe('jaeger:4317');
    expect(config.service.pipelines.traces!.exporters).toEqual(['otlp/jaeger']);
    expect(config.service.pipelines.metrics!.exporters).toContain('prometheus');
  });

  it('keeps values that look like numbers or booleans as quoted strings and uses no YAML aliases', async () => {
    const text = (await render(shopWith('mysql', 'kafka'))).get('docker-compose.yml')!.content!;
    expect(text).toContain('MYSQL_RANDOM_ROOT_PASSWORD: "yes"');
    expect(text).toContain('PORT: "3001"');
    expect(text).not.toMatch(/[&*]a\d/);
  });

  it('a plan value that cannot sit in a compose default (`$`, braces, spaces) must come from .env instead', async () => {
    const plan = structuredClone(example('shop'));
    plan.auth!.issuer = 'https://id.example/${x} y';
    const doc = parse((await render(validatePlan(plan))).get('docker-compose.yml')!.content!) as ComposeFile;
    expect(doc.services.orders!.environment!.JWT_ISSUER).toBe('${JWT_ISSUER:?set JWT_ISSUER in .env (see .env.example)}');
    expect(doc.services.orders!.environment!.JWT_AUDIENCE).toBe('${JWT_AUDIENCE:-shop-api}');
    expect(validateCompose(doc)).toBe(true);
  });

  it('contract with the service generators: build folders have a Dockerfile, every variable compose sets is one the service reads', async () => {
    const { tree } = await renderSystem(example('shop'));
    const doc = parse(tree.get('docker-compose.yml')!.content) as ComposeFile;
    for (const s of example('shop').services) {
      expect(tree.has(`services/${s.name}/Dockerfile`)).toBe(true);
      const config = tree.get(`services/${s.name}/src/config.ts`)?.content ?? '';
      for (const name of Object.keys(doc.services[s.name]!.environment!)) {
        expect(config, `${s.name} reads ${name}`).toMatch(new RegExp(`['"]${name}['"]`));
      }
    }
  });

  it('renders the same bytes for the same plan', async () => {
    const a = await render(example('shop'));
    const b = await render(example('shop'));
    for (const [p, f] of a) expect(f.content, p).toBe(b.get(p)!.content);
  });

  it('refuses a service named like an infrastructure container', async () => {
    const plan = structuredClone(example('shop'));
    plan.services[0]!.name = 'orders-db';
    // keep references consistent: orders' dependency on catalog now points at orders-db
    for (const s of plan.services) for (const d of s.dependsOn ?? []) if (d.service === 'catalog') d.service = 'orders-db';
    await expect(render(plan)).rejects.toThrow(/service "orders-db" has the same name as an infrastructure container/);
  });
});
