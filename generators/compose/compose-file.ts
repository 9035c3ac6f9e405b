/**
 * The content of docker-compose.yml and of the collector's config and image, as plain data
 * turned into YAML by the `yaml` Document API (generators/compose/yaml-doc.ts).
 * Compose Specification: https://github.com/compose-spec/compose-spec/blob/main/spec.md
 */
import type { NormalizedPlan, NormalizedService } from '../../src/plan/normalize.js';
import {
  brokerUrl,
  BROKER_PASSWORD_VAR,
  BROKER_USER,
  composeRef,
  databaseUrl,
  datastorePasswordVar,
  OBSERVABILITY,
  otlpEndpoint,
  serviceImage,
  variable,
} from './infra.js';
import { yamlText } from './yaml-doc.js';

type Json = Record<string, unknown>;

/**
 * Generous for a laptop starting many containers at once: failures during `start_period` do not
 * count, and `start_interval` probes every 2 s meanwhile (Docker Engine 25+), so a dependent
 * container starts as soon as its dependency is up instead of a full `interval` later.
 */
function healthcheck(test: string[], startPeriod = '20s'): Json {
  return { test, interval: '10s', timeout: '5s', retries: 5, start_period: startPeriod, start_interval: '2s' };
}

function wget(url: string, binary: string[] = ['wget']): string[] {
  return ['CMD', ...binary, '-q', '-O', '/dev/null', url];
}

const healthy = { condition: 'service_healthy' } as const;

/** Compose interpolation for a variable by name (secrets must be set, the rest has the plan's default). */
function ref(plan: NormalizedPlan, name: string): string {
  return composeRef(variable(plan, name));
}

export function serviceEnvironment(plan: NormalizedPlan, s: NormalizedService): Record<string, string> {
  const env: Record<string, string> = {
    PORT: String(s.port),
    // Inside a container the service must listen on every interface; the host port is bound to 127.0.0.1 below.
    HOST: '0.0.0.0',
    LOG_LEVEL: ref(plan, 'LOG_LEVEL'),
    OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint(),
  };
  for (const d of s.dependencies) env[d.urlEnv] = d.defaultUrl;
  if (s.datastore) env[s.datastore.urlEnv] = databaseUrl(s.datastore, s, (name) => ref(plan, name));
  if (s.usesBroker) env.BROKER_URL = brokerUrl(plan, (name) => ref(plan, name))!;
  if (s.usesJwt) {
    env.JWT_JWKS_URL = ref(plan, 'JWT_JWKS_URL');
    env.JWT_ISSUER = ref(plan, 'JWT_ISSUER');
    env.JWT_AUDIENCE = ref(plan, 'JWT_AUDIENCE');
  }
  return env;
}

function serviceEntry(plan: NormalizedPlan, s: NormalizedService): Json {
  const dependsOn: Record<string, typeof healthy> = {};
  for (const d of s.dependencies) dependsOn[d.names.kebab] = healthy;
  if (s.datastore) dependsOn[s.datastore.host] = healthy;
  if (s.usesBroker && plan.broker) dependsOn[plan.broker.host] = healthy;
  dependsOn[OBSERVABILITY.collector.host] = healthy;
  // fetch is global in Node 20, so the healthcheck needs nothing but the node binary the image already has.
  const probe = `fetch('http://127.0.0.1:${s.port}/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`;
  return {
    build: `./services/${s.names.kebab}`,
    image: serviceImage(plan, s),
    // Always build locally: never pull a same-named image somebody else published on a registry.
    pull_policy: 'build',
    ports: [`127.0.0.1:${s.port}:${s.port}`],
    environment: serviceEnvironment(plan, s),
    depends_on: dependsOn,
    healthcheck: healthcheck(['CMD', 'node', '-e', probe]),
    // The service drains for shutdownGraceMs after SIGTERM; compose must not SIGKILL it earlier (default 10 s).
    stop_grace_period: `${Math.ceil(s.resilience.shutdownGraceMs / 1000) + 5}s`,
    restart: 'unless-stopped',
  };
}

function datastoreEntry(plan: NormalizedPlan, s: NormalizedService): Json {
  const ds = s.datastore!;
  const user = s.names.snake;
  const pw = datastorePasswordVar(s);
  const password = pw ? ref(plan, pw) : '';
  const volume = `${ds.host}-data`;
  const base = { image: ds.image, restart: 'unless-stopped' };
  switch (ds.kind) {
    case 'postgres':
      return {
        ...base,
        environment: { POSTGRES_DB: ds.database, POSTGRES_USER: user, POSTGRES_PASSWORD: password },
        volumes: [`${volume}:/var/lib/postgresql/data`],
        // -h 127.0.0.1: the image's init phase runs a socket-only server; only the real one answers on TCP.
        healthcheck: healthcheck(['CMD', 'pg_isready', '-h', '127.0.0.1', '-U', user, '-d', ds.database]),
      };
    case 'mysql':
      return {
        ...base,
        environment: { MYSQL_DATABASE: ds.database, MYSQL_USER: user, MYSQL_PASSWORD: password, MYSQL_RANDOM_ROOT_PASSWORD: 'yes' },
        volumes: [`${volume}:/var/lib/mysql`],
        healthcheck: healthcheck(['CMD', 'mysqladmin', 'ping', '-h', '127.0.0.1', '--silent'], '30s'),
      };
    case 'mongodb':
      return {
        ...base,
        environment: { MONGO_INITDB_ROOT_USERNAME: user, MONGO_INITDB_ROOT_PASSWORD: password, MONGO_INITDB_DATABASE: ds.database },
        volumes: [`${volume}:/data/db`],
        healthcheck: healthcheck(['CMD', 'mongosh', '--quiet', '--eval', "db.adminCommand('ping').ok"]),
      };
    case 'redis':
      return {
        ...base,
        command: ['redis-server', '--appendonly', 'yes'],
        volumes: [`${volume}:/data`],
        healthcheck: healthcheck(['CMD', 'redis-cli', '-h', '127.0.0.1', 'ping']),
      };
  }
}

function brokerEntry(plan: NormalizedPlan): Json {
  const b = plan.broker!;
  const base = { image: b.image, restart: 'unless-stopped' };
  switch (b.kind) {
    case 'nats':
      return {
        ...base,
        // Flags only: the image's entrypoint prepends nats-server. JetStream gives at-least-once delivery.
        command: ['--jetstream', '--store_dir', '/data', '--http_port', '8222'],
        volumes: ['broker-data:/data'],
        healthcheck: healthcheck(wget('http://127.0.0.1:8222/healthz')),
      };
    case 'rabbitmq':
      return {
        ...base,
        environment: { RABBITMQ_DEFAULT_USER: BROKER_USER, RABBITMQ_DEFAULT_PASS: ref(plan, BROKER_PASSWORD_VAR) },
        ports: ['127.0.0.1:15672:15672'],
        volumes: ['broker-data:/var/lib/rabbitmq'],
        healthcheck: healthcheck(['CMD', 'rabbitmq-diagnostics', '-q', 'ping'], '30s'),
      };
    case 'kafka':
      return {
        ...base,
        // Single-node KRaft (no ZooKeeper): this node is both controller and broker.
        environment: {
          KAFKA_CFG_NODE_ID: '0',
          KAFKA_CFG_PROCESS_ROLES: 'controller,broker',
          KAFKA_CFG_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
          KAFKA_CFG_ADVERTISED_LISTENERS: `PLAINTEXT://${b.host}:9092`,
          KAFKA_CFG_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
          KAFKA_CFG_CONTROLLER_QUORUM_VOTERS: `0@${b.host}:9093`,
          KAFKA_CFG_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
        },
        volumes: ['broker-data:/bitnami/kafka'],
        healthcheck: healthcheck(['CMD', 'kafka-topics.sh', '--bootstrap-server', '127.0.0.1:9092', '--list'], '40s'),
      };
    case 'redis':
      return {
        ...base,
        command: ['redis-server', '--appendonly', 'yes'],
        volumes: ['broker-data:/data'],
        healthcheck: healthcheck(['CMD', 'redis-cli', '-h', '127.0.0.1', 'ping']),
      };
  }
}

function collectorTag(): string {
  return OBSERVABILITY.collector.image.split(':')[1]!;
}

function collectorEntry(plan: NormalizedPlan): Json {
  const c = OBSERVABILITY.collector;
  return {
    build: { context: './infra', dockerfile: 'otel-collector.Dockerfile' },
    image: `${plan.names.kebab}/otel-collector:${collectorTag()}`,
    pull_policy: 'build',
    command: ['--config=/etc/otelcol-contrib/config.yaml'],
    volumes: ['./infra/otel-collector.yaml:/etc/otelcol-contrib/config.yaml:ro'],
    ports: [`127.0.0.1:${c.otlpGrpcPort}:${c.otlpGrpcPort}`, `127.0.0.1:${c.otlpHttpPort}:${c.otlpHttpPort}`, `127.0.0.1:${c.prometheusPort}:${c.prometheusPort}`],
    depends_on: { [OBSERVABILITY.jaeger.host]: healthy },
    healthcheck: healthcheck(wget(`http://127.0.0.1:${c.healthPort}/`, ['/probe/busybox', 'wget'])),
    restart: 'unless-stopped',
  };
}

function jaegerEntry(): Json {
  const j = OBSERVABILITY.jaeger;
  return {
    image: j.image,
    environment: { COLLECTOR_OTLP_ENABLED: 'true' },
    ports: [`127.0.0.1:${j.uiPort}:${j.uiPort}`],
    // The all-in-one image is Alpine-based, so busybox wget is there.
    healthcheck: healthcheck(wget(`http://127.0.0.1:${j.adminPort}/`)),
    restart: 'unless-stopped',
  };
}

export function composeData(plan: NormalizedPlan): Json {
  const services: Json = {};
  for (const s of plan.services) services[s.names.kebab] = serviceEntry(plan, s);
  for (const s of plan.services) if (s.datastore) services[s.datastore.host] = datastoreEntry(plan, s);
  if (plan.broker) services[plan.broker.host] = brokerEntry(plan);
  services[OBSERVABILITY.collector.host] = collectorEntry(plan);
  services[OBSERVABILITY.jaeger.host] = jaegerEntry();

  const volumes: Json = {};
  for (const s of plan.services) if (s.datastore) volumes[`${s.datastore.host}-data`] = {};
  if (plan.broker) volumes['broker-data'] = {};

  return { name: plan.names.kebab, services, ...(Object.keys(volumes).length ? { volumes } : {}) };
}

export function composeFile(plan: NormalizedPlan): string {
  const comments: Record<string, string> = {
    [`services.${OBSERVABILITY.collector.host}`]:
      'The upstream collector image is distroless (no shell, no wget), so a healthcheck has\n' +
      'nothing to run; infra/otel-collector.Dockerfile adds one static busybox under /probe\n' +
      "and the healthcheck asks the collector's health_check extension (:13133).",
    [`services.${OBSERVABILITY.jaeger.host}`]: `Trace viewer: http://localhost:${OBSERVABILITY.jaeger.uiPort}`,
  };
  const first = plan.services.find((s) => s.datastore && s.datastore.kind !== 'redis');
  if (first) comments[`services.${first.datastore!.host}`] = 'Passwords come from .env (copy .env.example); compose stops with a message when one is missing.';
  return yamlText(composeData(plan), {
    header:
      `docker compose for ${plan.title}: generated by create-arch-service from arch.plan.json.\n` +
      'Owner: merged. Your edits are kept key by key on `npx create-arch-service sync`.\n' +
      'Start: cp .env.example .env && docker compose up --build',
    quoteUnder: ['ports', 'environment'],
    flowSeqKeys: ['test', 'command'],
    comments,
  });
}

/** infra/otel-collector.yaml: OTLP in (gRPC + HTTP), traces to Jaeger, metrics to Prometheus scraping and the debug log. */
export function collectorConfig(): string {
  const c = OBSERVABILITY.collector;
  const j = OBSERVABILITY.jaeger;
  const data = {
    extensions: { health_check: { endpoint: `0.0.0.0:${c.healthPort}` } },
    receivers: {
      otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${c.otlpGrpcPort}` }, http: { endpoint: `0.0.0.0:${c.otlpHttpPort}` } } },
    },
    processors: {
      // Refuse data before the collector runs out of memory, then batch for fewer, larger exports.
      memory_limiter: { check_interval: '1s', limit_percentage: 80, spike_limit_percentage: 25 },
      batch: {},
    },
    exporters: {
      'otlp/jaeger': { endpoint: `${j.host}:${j.otlpGrpcPort}`, tls: { insecure: true } },
      prometheus: { endpoint: `0.0.0.0:${c.prometheusPort}` },
      debug: { verbosity: 'basic' },
    },
    service: {
      extensions: ['health_check'],
      pipelines: {
        traces: { receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['otlp/jaeger'] },
        metrics: { receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['prometheus', 'debug'] },
      },
    },
  };
  return yamlText(data, {
    header:
      'OpenTelemetry collector: generated by create-arch-service. Owner: merged.\n' +
      `Traces go to Jaeger (UI http://localhost:${j.uiPort}); metrics are scraped at http://localhost:${c.prometheusPort}/metrics.`,
    flowSeqKeys: ['receivers', 'processors', 'exporters', 'extensions'],
  });
}

export function collectorDockerfile(): string {
  const c = OBSERVABILITY.collector;
  return [
    '# Generated by create-arch-service. The OpenTelemetry collector, plus a probe for its healthcheck.',
    '#',
    '# otel/opentelemetry-collector-contrib is distroless (FROM scratch: the otelcol-contrib binary and',
    '# CA certificates, nothing else), so a Docker healthcheck has no shell, curl or wget to run, and the',
    '# collector has no self-check subcommand (open-telemetry/opentelemetry-collector-releases#866).',
    '# We copy one statically linked busybox (musl build: needs no libc) to /probe and docker-compose.yml',
    '# calls its wget against the health_check extension. The collector itself is the unmodified image.',
    `FROM ${c.probeImage} AS probe`,
    '',
    `FROM ${c.image}`,
    'COPY --from=probe /bin/busybox /probe/busybox',
    '',
  ].join('\n');
}
