/**
 * The `service` generator: everything inside services/<name>/ except the spec and its
 * types (generator `openapi`), the handler stubs (`handlers`) and the dependency clients
 * (`clients`). The runtime choices (hand-made OpenTelemetry spans instead of
 * auto-instrumentation, cockatiel for resilience, jose for JWT) are explained in the
 * service README it renders.
 */
import type { FileSpec, Generator, GeneratorContext } from '../types.js';
import type { NormalizedPlan, NormalizedService } from '../../src/plan/normalize.js';
import type { ServiceApi } from '../../src/openapi/model.js';
import { banner, eventsTs, handlerTypesTs, quote, routesTs, tsLiteral } from './code.js';
import { sampleRequest } from './samples.js';

/** Exact versions the generated services depend on; each installs and runs on Node 20. */
export const RUNTIME_VERSIONS = {
  fastify: '5.12.8',
  '@opentelemetry/api': '1.9.1',
  '@opentelemetry/context-async-hooks': '2.12.0',
  '@opentelemetry/core': '2.12.0',
  '@opentelemetry/exporter-metrics-otlp-http': '0.223.0',
  '@opentelemetry/resources': '2.12.0',
  '@opentelemetry/sdk-metrics': '2.12.0',
  '@opentelemetry/sdk-trace-base': '2.12.0',
  cockatiel: '3.2.1',
  // The version Fastify 5.12.8 itself resolves to, so npm installs it once.
  pino: '10.4.0',
  jose: '6.2.18',
} as const;

export const DEV_VERSIONS = {
  '@types/node': '20.19.43',
  typescript: '5.9.3',
  vitest: '4.1.12',
} as const;

/**
 * How every entry point starts a service: `npm start`, the Dockerfile's CMD, the root
 * scripts/start-all.mjs. --min-semi-space-size=16 starts V8's young generation at the 16 MiB
 * it may grow to anyway: a Fastify request allocates a few KiB, so under load V8's default
 * starting size means hundreds of scavenges a second, and whether V8 grows it depends on
 * the run. Measured (bench:runtime, 2 cores): health probes +20% req/s, bare Fastify alike;
 * it costs up to ~30 MiB of RSS, which V8 would take under load in any case.
 */
export const NODE_ARGS = ['--min-semi-space-size=16', 'dist/main.js'] as const;

/** Pinned base image of the Dockerfile (Node 20, Debian slim). */
export const NODE_IMAGE = 'node:20.20.2-bookworm-slim';

export function apiOf(ctx: GeneratorContext, service: NormalizedService): ServiceApi {
  const api = ctx.apis.get(service.name);
  if (!api) throw new Error(`no API for service ${service.name}: its openapi.yaml was not read`);
  return api;
}

/** Secured operations decide whether the service needs JWT verification: the spec is the source of truth. */
export function usesJwt(api: ServiceApi): boolean {
  return api.operations.some((o) => o.security !== null);
}

const SCHEMES: Record<string, string> = { postgres: 'postgres', mysql: 'mysql', mongodb: 'mongodb', redis: 'redis', nats: 'nats', rabbitmq: 'amqp', kafka: 'kafka' };

/** Everything the templates of one service read. */
export function serviceData(ctx: GeneratorContext, service: NormalizedService) {
  const plan: NormalizedPlan = ctx.plan;
  const api = apiOf(ctx, service);
  const jwt = usesJwt(api);
  const broker = service.usesBroker && plan.broker ? { ...plan.broker, scheme: SCHEMES[plan.broker.kind] ?? plan.broker.kind } : undefined;
  const datastore = service.datastore ? { ...service.datastore, scheme: SCHEMES[service.datastore.kind] ?? service.datastore.kind } : undefined;
  const issuer = plan.auth.issuer;
  const jwksUrl = `${issuer.endsWith('/') ? issuer : `${issuer}/`}.well-known/jwks.json`;
  return {
    /** Values as single-quoted TypeScript string literals (our style; safe for any text). */
    lit: {
      serviceName: quote(service.name),
      apiVersion: quote(api.version),
      logLevel: quote(plan.observability.logLevel),
      jwksUrl: quote(jwksUrl),
      issuer: quote(plan.auth.issuer),
      audience: quote(plan.auth.audience),
      dbUrl: datastore ? quote(datastore.localUrl) : '',
      dbScheme: datastore ? quote(datastore.scheme) : '',
      brokerUrl: broker ? quote(broker.localUrl) : '',
      brokerScheme: broker ? quote(broker.scheme) : '',
    },
    banner: banner(`the plan (service ${service.name})`),
    system: plan.names,
    systemTitle: plan.title,
    service,
    packageName: `@${plan.names.kebab}/${service.names.kebab}`,
    apiVersion: api.version,
    operations: api.operations.map((o) => ({ ...o, methodUpper: o.method.toUpperCase(), secured: o.security !== null, scopes: o.security?.scopes ?? [] })),
    deps: service.dependencies.map((d) => ({ ...d, lit: { service: quote(d.service), urlEnv: quote(d.urlEnv), localUrl: quote(d.localUrl) } })),
    datastore,
    broker,
    usesJwt: jwt,
    auth: plan.auth,
    jwksUrl,
    resilience: service.resilience,
    logLevel: plan.observability.logLevel,
    traceSampleRatio: plan.observability.traceSampleRatio,
    // An edge request without a deadline header may use every retry of its slowest call, plus slack.
    requestDeadlineMs: Math.max(1000, service.resilience.timeoutMs * service.resilience.retry.maxAttempts + service.resilience.retry.maxDelayMs),
    publishes: service.publishes,
    consumes: service.consumes,
    events: plan.events.filter((e) => service.publishes.includes(e.name) || service.consumes.includes(e.name)),
    nodeImage: NODE_IMAGE,
    /** The Dockerfile's CMD, exec form. */
    nodeCmd: `[${['node', ...NODE_ARGS].map((a) => JSON.stringify(a)).join(', ')}]`,
    hasEvents: service.publishes.length + service.consumes.length > 0,
  };
}

function packageJson(ctx: GeneratorContext, service: NormalizedService): string {
  const api = apiOf(ctx, service);
  // jose is always a dependency (small, no dependencies of its own): a spec edit that secures an
  // operation then needs only `sync` and `npm run build`, not a new `npm install`.
  const deps: Record<string, string> = { ...RUNTIME_VERSIONS };
  return JSON.stringify({
    name: `@${ctx.plan.names.kebab}/${service.names.kebab}`,
    version: '0.1.0',
    private: true,
    description: service.description,
    type: 'module',
    engines: { node: '>=20.19.0' },
    scripts: {
      build: 'tsc -p tsconfig.json',
      start: ['node', ...NODE_ARGS].join(' '),
      test: 'vitest run',
      typecheck: 'tsc -p tsconfig.json --noEmit',
    },
    dependencies: deps,
    devDependencies: { ...DEV_VERSIONS },
  });
}

export const serviceGenerator: Generator = {
  name: 'service',
  description: 'Fastify 5 server wired to openapi.yaml: config, routes, validation, problem+json, health, OpenTelemetry, auth, graceful shutdown, Dockerfile, tests',
  scope: 'service',
  files(ctx, service) {
    if (!service) return [];
    const api = apiOf(ctx, service);
    const data = serviceData(ctx, service);
    const dir = `services/${service.name}`;
    const spec = `services/${service.name}/openapi.yaml`;
    const t = (path: string, template: string, owner: FileSpec['owner'] = 'generated', when = true): FileSpec => ({ path: `${dir}/${path}`, template, data, owner, when });
    return [
      { path: `${dir}/package.json`, owner: 'merged', content: packageJson(ctx, service) },
      t('tsconfig.json', 'tsconfig.json.hbs'),
      t('vitest.config.ts', 'vitest.config.ts.hbs'),
      t('Dockerfile', 'Dockerfile.hbs'),
      t('.dockerignore', 'dockerignore.hbs'),
      t('README.md', 'README.md.hbs', 'merged'),
      t('src/config.ts', 'src/config.ts.hbs'),
      t('src/telemetry.ts', 'src/telemetry.ts.hbs'),
      t('src/otlp.ts', 'src/otlp.ts.hbs'),
      t('src/span-export.ts', 'src/span-export.ts.hbs'),
      t('src/metrics.ts', 'src/metrics.ts.hbs'),
      t('src/deadline.ts', 'src/deadline.ts.hbs'),
      t('src/problem.ts', 'src/problem.ts.hbs'),
      t('src/request-telemetry.ts', 'src/request-telemetry.ts.hbs'),
      t('src/health.ts', 'src/health.ts.hbs'),
      t('src/auth.ts', 'src/auth.ts.hbs', 'generated', data.usesJwt),
      t('src/server.ts', 'src/server.ts.hbs'),
      t('src/main.ts', 'src/main.ts.hbs'),
      { path: `${dir}/src/generated/routes.ts`, owner: 'generated', content: routesTs(api, spec, data.usesJwt) },
      { path: `${dir}/src/generated/handler-types.ts`, owner: 'generated', content: handlerTypesTs(api, spec) },
      { path: `${dir}/src/generated/events.ts`, owner: 'generated', content: eventsTs(ctx.plan.events, service.publishes, service.consumes, 'the plan (events)'), when: data.hasEvents },
      {
        path: `${dir}/test/service.test.ts`,
        owner: 'generated',
        template: 'test/service.test.ts.hbs',
        data: {
          ...data,
          samples: tsLiteral(api.operations.map((op) => sampleRequest(api, op))),
          readinessNames: tsLiteral([...service.dependencies.map((d) => d.service), ...(data.datastore ? [data.datastore.kind] : []), ...(data.broker ? [data.broker.kind] : [])]),
        },
      },
    ];
  },
};

export default serviceGenerator;
