/**
 * Facts about the infrastructure every deployment target shares (docker-compose, Kubernetes,
 * the root README and .env.example): container names, pinned images, ports, and the
 * environment variables each service reads. Decided once here so compose, k8s and the docs
 * never disagree about a host name or a variable.
 */
import type { NormalizedDatastore, NormalizedPlan, NormalizedService } from '../../src/plan/normalize.js';

/**
 * Pinned images of the observability stack (never `latest`: the same plan must give the
 * same running system next year).
 */
export const OBSERVABILITY = {
  collector: {
    host: 'otel-collector',
    image: 'otel/opentelemetry-collector-contrib:0.120.0',
    /** A static busybox copied into the distroless collector image, only for its healthcheck (see the Dockerfile). */
    probeImage: 'busybox:1.37.0-musl',
    otlpGrpcPort: 4317,
    otlpHttpPort: 4318,
    healthPort: 13133,
    prometheusPort: 8889,
  },
  jaeger: {
    host: 'jaeger',
    image: 'jaegertracing/all-in-one:1.62.0',
    uiPort: 16686,
    otlpGrpcPort: 4317,
    /** Admin port: GET / answers 200 once the all-in-one is serving. */
    adminPort: 14269,
  },
} as const;

/** Tag of the images built from services/<name>; compose builds them, Kubernetes pulls them (override with kustomize `images`). */
export const SERVICE_IMAGE_TAG = '0.1.0';

export function serviceImage(plan: NormalizedPlan, service: NormalizedService): string {
  return `${plan.names.kebab}/${service.names.kebab}:${SERVICE_IMAGE_TAG}`;
}

/** OTLP/HTTP endpoint the services export to, inside compose and inside the cluster. */
export function otlpEndpoint(): string {
  return `http://${OBSERVABILITY.collector.host}:${OBSERVABILITY.collector.otlpHttpPort}`;
}

/** Every container name the infrastructure takes, so a service can never shadow one. */
export function infraHosts(plan: NormalizedPlan): string[] {
  return [
    ...plan.services.flatMap((s) => (s.datastore ? [s.datastore.host] : [])),
    ...(plan.broker ? [plan.broker.host] : []),
    OBSERVABILITY.collector.host,
    OBSERVABILITY.jaeger.host,
  ];
}

/** Fails loudly when a service name equals an infrastructure host (e.g. a service called `broker` or `orders-db`). */
export function assertNoHostClash(plan: NormalizedPlan): void {
  const services = new Set(plan.services.map((s) => s.names.kebab));
  for (const host of infraHosts(plan)) {
    if (services.has(host)) {
      throw new Error(`service "${host}" has the same name as an infrastructure container of the generated system; rename the service in arch.plan.json`);
    }
  }
}

/** A variable the deployment reads from `.env` (compose) or a Secret/ConfigMap (Kubernetes). */
export interface DeployVariable {
  name: string;
  /** The value written to .env.example: a placeholder for secrets, the plan's value otherwise. */
  example: string;
  secret: boolean;
  description: string;
}

export function datastorePasswordVar(service: NormalizedService): string | undefined {
  if (!service.datastore || service.datastore.kind === 'redis') return undefined;
  return `${service.names.constant}_DB_PASSWORD`;
}

export const BROKER_PASSWORD_VAR = 'BROKER_PASSWORD';
export const BROKER_USER = 'app';

export function jwtJwksUrl(plan: NormalizedPlan): string {
  const issuer = plan.auth.issuer.endsWith('/') ? plan.auth.issuer : `${plan.auth.issuer}/`;
  return `${issuer}.well-known/jwks.json`;
}

export function usesJwt(plan: NormalizedPlan): boolean {
  return plan.services.some((s) => s.usesJwt);
}

const variablesCache = new WeakMap<NormalizedPlan, DeployVariable[]>();

/** Everything `.env` must or may set for `docker compose up`, in a stable order (computed once per plan). */
export function deployVariables(plan: NormalizedPlan): DeployVariable[] {
  let vars = variablesCache.get(plan);
  if (!vars) variablesCache.set(plan, (vars = computeVariables(plan)));
  return vars;
}

function computeVariables(plan: NormalizedPlan): DeployVariable[] {
  const vars: DeployVariable[] = [];
  for (const s of plan.services) {
    const pw = datastorePasswordVar(s);
    if (pw && s.datastore) {
      vars.push({
        name: pw,
        example: 'change-me',
        secret: true,
        description: `password of the ${s.name} ${s.datastore.kind} database (user ${s.names.snake}); URL-safe characters only, it becomes part of DATABASE_URL`,
      });
    }
  }
  if (plan.broker?.kind === 'rabbitmq') {
    vars.push({ name: BROKER_PASSWORD_VAR, example: 'change-me', secret: true, description: `password of the RabbitMQ user "${BROKER_USER}"; URL-safe characters only` });
  }
  if (usesJwt(plan)) {
    vars.push(
      { name: 'JWT_ISSUER', example: plan.auth.issuer, secret: false, description: 'issuer (iss) the services accept in bearer tokens' },
      { name: 'JWT_AUDIENCE', example: plan.auth.audience, secret: false, description: 'audience (aud) the services accept in bearer tokens' },
      { name: 'JWT_JWKS_URL', example: jwtJwksUrl(plan), secret: false, description: "URL of the identity provider's JSON Web Key Set" },
    );
  }
  vars.push({ name: 'LOG_LEVEL', example: plan.observability.logLevel, secret: false, description: 'pino log level of every service' });
  return vars;
}

/**
 * A compose interpolation of a variable: a secret must be set (`:?` stops `docker compose up`
 * with a message instead of starting a database with an empty password); anything else falls
 * back to the plan's value (`:-`). Compose Specification, "Interpolation".
 */
export function composeRef(v: DeployVariable): string {
  const required = `\${${v.name}:?set ${v.name} in .env (see .env.example)}`;
  // A plan value with `$`, braces, quotes or spaces cannot sit inside `${X:-...}`; then it must come from .env.
  return v.secret || !SAFE_DEFAULT.test(v.example) ? required : `\${${v.name}:-${v.example}}`;
}

/** Characters that may appear unquoted in a compose default and in a .env value (URL characters, no `$ { } ' " #` or spaces). */
export const SAFE_DEFAULT = /^[A-Za-z0-9._~:/?@!&()*+,;=%-]*$/;

export function variable(plan: NormalizedPlan, name: string): DeployVariable {
  const v = deployVariables(plan).find((x) => x.name === name);
  if (!v) throw new Error(`internal: no deployment variable ${name}`);
  return v;
}

/**
 * DATABASE_URL inside compose/Kubernetes. The normalized URL carries the password as
 * `${X_DB_PASSWORD}`; `passwordRef` replaces it (a compose interpolation, or a Kubernetes
 * `$(VAR)` reference). MongoDB's root user lives in the admin database, hence authSource.
 */
export function databaseUrl(ds: NormalizedDatastore, service: NormalizedService, passwordRef: (name: string) => string): string {
  const pw = datastorePasswordVar(service);
  let url = pw ? ds.defaultUrl.replace(`\${${pw}}`, passwordRef(pw)) : ds.defaultUrl;
  if (ds.kind === 'mongodb') url += '?authSource=admin';
  return url;
}

/** BROKER_URL inside compose/Kubernetes; RabbitMQ's default guest user may not connect remotely, so it gets a user. */
export function brokerUrl(plan: NormalizedPlan, passwordRef: (name: string) => string): string | undefined {
  const b = plan.broker;
  if (!b) return undefined;
  if (b.kind === 'rabbitmq') return `amqp://${BROKER_USER}:${passwordRef(BROKER_PASSWORD_VAR)}@${b.host}:${b.port}`;
  return b.defaultUrl;
}
