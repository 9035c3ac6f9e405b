import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { sampleRequest } from '../../generators/service/samples.js';
import { tsLiteral } from '../../generators/service/code.js';
import { NODE_ARGS, RUNTIME_VERSIONS } from '../../generators/service/index.js';
import { COMPONENTS_SCHEMA_ID } from '../../src/openapi/model.js';
import { renderSystem, type RenderResult } from '../../src/render/pipeline.js';
import type { RenderedTree } from '../../src/render/tree.js';
import { example } from '../helpers/plans.js';

// ajv-formats is CommonJS with a default export; under NodeNext its callable is `.default`.
const addFormats = ((addFormatsModule as unknown as { default?: (ajv: object) => unknown }).default ?? addFormatsModule) as unknown as (ajv: object) => unknown;

const systems: Record<'minimal' | 'shop', RenderResult> = {} as never;
beforeAll(async () => {
  systems.minimal = await renderSystem(example('minimal'));
  systems.shop = await renderSystem(example('shop'));
});

function serviceFiles(tree: RenderedTree, service: string): Map<string, string> {
  const prefix = `services/${service}/`;
  return new Map([...tree.values()].filter((f) => f.path.startsWith(prefix)).map((f) => [f.path.slice(prefix.length), f.content]));
}

/** Syntax errors only (types are checked by building a generated repo, see test/e2e). */
function syntaxErrors(path: string, content: string): string[] {
  const out = ts.transpileModule(content, { fileName: path, reportDiagnostics: true, compilerOptions: { module: ts.ModuleKind.NodeNext, target: ts.ScriptTarget.ES2022 } });
  return (out.diagnostics ?? []).map((d) => `${path}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

const cases = [
  { example: 'minimal', service: 'notes', jwt: false, events: false, deps: [], datastore: false, broker: false },
  { example: 'shop', service: 'catalog', jwt: true, events: false, deps: [], datastore: true, broker: false },
  { example: 'shop', service: 'orders', jwt: true, events: true, deps: ['catalog', 'payments'], datastore: true, broker: true },
  { example: 'shop', service: 'payments', jwt: true, events: false, deps: [], datastore: true, broker: false },
  { example: 'shop', service: 'notifications', jwt: true, events: true, deps: [], datastore: true, broker: true },
] as const;

describe.each(cases)('service generator: $example/$service', (c) => {
  const files = () => serviceFiles(systems[c.example].tree, c.service);

  it('renders the service skeleton, auth and events only where needed', () => {
    const f = files();
    for (const p of ['package.json', 'tsconfig.json', 'vitest.config.ts', 'Dockerfile', '.dockerignore', 'README.md', 'src/config.ts', 'src/server.ts', 'src/main.ts', 'src/telemetry.ts', 'src/metrics.ts', 'src/health.ts', 'src/problem.ts', 'src/deadline.ts', 'src/request-telemetry.ts', 'src/generated/routes.ts', 'src/generated/handler-types.ts', 'test/service.test.ts']) {
      expect(f.has(p), p).toBe(true);
    }
    expect(f.has('src/auth.ts')).toBe(c.jwt);
    expect(f.has('src/generated/events.ts')).toBe(c.events);
    expect(f.has('src/clients/index.ts')).toBe(c.deps.length > 0);
  });

  it('every TypeScript file parses, starts with a banner and uses single-quoted imports', () => {
    for (const [p, content] of files()) {
      if (!p.endsWith('.ts')) continue;
      expect(syntaxErrors(p, content)).toEqual([]);
      expect(content.split('\n', 1)[0], p).toMatch(/^\/\/ (Generated|Created) by create-arch-service/);
      for (const line of content.split('\n').filter((l) => /^import .* from /.test(l))) expect(line, p).not.toContain('"');
    }
  });

  it('package.json pins exact versions and runs the built service', () => {
    const pkg = JSON.parse(files().get('package.json')!) as { name: string; type: string; private: boolean; scripts: Record<string, string>; dependencies: Record<string, string>; devDependencies: Record<string, string> };
    expect(pkg.name).toBe(`@${c.example === 'shop' ? 'shop' : 'notes'}/${c.service}`);
    expect(pkg).toMatchObject({ type: 'module', private: true, scripts: { build: 'tsc -p tsconfig.json', start: `node ${NODE_ARGS.join(' ')}`, test: 'vitest run' } });
    expect(NODE_ARGS.at(-1)).toBe('dist/main.js');
    for (const v of [...Object.values(pkg.dependencies), ...Object.values(pkg.devDependencies)]) expect(v).toMatch(/^\d+\.\d+\.\d+$/);
    // always present, so securing an operation in openapi.yaml needs no new install
    expect(pkg.dependencies.jose).toBe(RUNTIME_VERSIONS.jose);
    expect(pkg.dependencies.fastify).toBe(RUNTIME_VERSIONS.fastify);
    expect(Object.keys(pkg.dependencies).some((d) => /instrumentation|sdk-node|auto-instrumentations/.test(d))).toBe(false);
  });

  it('config reads every dependency, store, broker and auth variable', () => {
    const config = files().get('src/config.ts')!;
    const svc = systems[c.example].plan.services.find((s) => s.name === c.service)!;
    for (const d of svc.dependencies) expect(config).toContain(`'${d.urlEnv}'`);
    expect(config.includes("'DATABASE_URL'")).toBe(c.datastore);
    expect(config.includes("'BROKER_URL'")).toBe(c.broker);
    expect(config.includes("'JWT_JWKS_URL'")).toBe(c.jwt);
    for (const v of ['PORT', 'HOST', 'LOG_LEVEL', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'SERVICE_VERSION', 'SHUTDOWN_GRACE_MS']) expect(config).toContain(`'${v}'`);
    expect(config).toContain(`${svc.resilience.timeoutMs}`);
  });

  it('routes every operation of the spec, with its handler and its scopes', () => {
    const api = systems[c.example].apis.get(c.service)!;
    const routes = files().get('src/generated/routes.ts')!;
    const types = files().get('src/generated/handler-types.ts')!;
    for (const op of api.operations) {
      expect(routes).toContain(`url: '${op.url}'`);
      expect(routes).toContain(`${op.handlerName}: `);
      expect(types).toContain(`paths['${op.path}']['${op.method}']`);
      if (op.security) expect(routes).toContain(`scopes: ${tsLiteral(op.security.scopes)}`);
    }
  });

  it('health routes carry no hooks: the server adds no global hook', () => {
    const server = files().get('src/server.ts')!;
    expect(server).not.toMatch(/addHook\(/);
    expect(files().get('src/request-telemetry.ts')).not.toMatch(/instrumentation-http|@fastify\/otel/);
  });

  it('Dockerfile is multi-stage, pinned, non-root, with a HEALTHCHECK', () => {
    const docker = files().get('Dockerfile')!;
    const froms = docker.match(/^FROM .*/gm) ?? [];
    expect(froms.length).toBeGreaterThanOrEqual(3);
    for (const f of froms.filter((l) => !/FROM deps/.test(l))) expect(f).toMatch(/node:20\.\d+\.\d+-/);
    expect(docker).toMatch(/^USER node$/m);
    expect(docker).toMatch(/^HEALTHCHECK /m);
    expect(docker).toContain('/health/live');
    expect(docker).toContain('NODE_ENV=production');
  });

  it('sample requests of the service tests satisfy the route schemas', () => {
    const api = systems[c.example].apis.get(c.service)!;
    const ajv = new Ajv({ strict: false, coerceTypes: 'array' });
    addFormats(ajv);
    ajv.addSchema({ ...api.components, $id: COMPONENTS_SCHEMA_ID });
    for (const op of api.operations) {
      const sample = sampleRequest(api, op);
      if (op.schema.body) expect(ajv.validate(op.schema.body, sample.body), `${op.handlerName}: ${ajv.errorsText()}`).toBe(true);
      expect(sample.url.startsWith(op.url.split(':')[0]!)).toBe(true);
    }
  });
});

describe('service generator', () => {
  it('renders byte-identical trees for the same plan', async () => {
    const again = await renderSystem(example('shop'));
    const mine = (t: RenderedTree) => [...t.values()].filter((f) => ['service', 'handlers', 'clients'].includes(f.generator)).map((f) => [f.path, f.content, f.owner]);
    expect(mine(again.tree)).toEqual(mine(systems.shop.tree));
  });

  it('tsLiteral prints single-quoted, identifier-keyed literals', () => {
    const cases: [unknown, string][] = [
      [{ a: 1, 'b-c': "it's" }, "{\n  a: 1,\n  'b-c': 'it\\'s',\n}"],
      [['x', 2, null], "['x', 2, null]"],
      [{}, '{}'],
      [[{ k: true }], '[\n  {\n    k: true,\n  },\n]'],
    ];
    for (const [value, want] of cases) expect(tsLiteral(value)).toBe(want);
  });
});
