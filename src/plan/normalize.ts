/**
 * normalizePlan: the one place where defaults are filled in and names are derived.
 * Everything downstream (generators, docs, sync) reads the NormalizedPlan, never the raw
 * plan, so a default is decided once. Pure and deterministic: the same plan gives the
 * same normalized plan, field for field, in the plan's own order.
 */
import type { Plan, PlanEvent, PlanField, PlanModel, PlanOperation, PlanService } from './schema.js';

export const DEFAULTS = {
  firstPort: 3001,
  resilience: {
    timeoutMs: 2000,
    retry: { maxAttempts: 3, initialDelayMs: 100, maxDelayMs: 2000 },
    circuitBreaker: { failureThreshold: 5, resetMs: 10_000 },
    shutdownGraceMs: 10_000,
  },
  observability: { traceSampleRatio: 1, metrics: true, logLevel: 'info' as const },
  scaling: { replicas: 2, minReplicas: 2, maxReplicas: 6, cpu: '250m', memory: '256Mi' },
  pageSize: { default: 20, max: 100 },
};

/** Well-known ports and pinned images of the infrastructure the generated compose file runs. */
export const DATASTORE_INFRA = {
  postgres: { image: 'postgres:16.6-alpine', port: 5432, scheme: 'postgres' },
  mysql: { image: 'mysql:8.4.3', port: 3306, scheme: 'mysql' },
  mongodb: { image: 'mongo:7.0.16', port: 27017, scheme: 'mongodb' },
  redis: { image: 'redis:7.4.2-alpine', port: 6379, scheme: 'redis' },
} as const;

export const BROKER_INFRA = {
  nats: { image: 'nats:2.10.24-alpine', port: 4222, scheme: 'nats' },
  rabbitmq: { image: 'rabbitmq:3.13.7-management-alpine', port: 5672, scheme: 'amqp' },
  kafka: { image: 'bitnami/kafka:3.9.0', port: 9092, scheme: 'kafka' },
  redis: { image: 'redis:7.4.2-alpine', port: 6379, scheme: 'redis' },
} as const;

export interface Names {
  /** kebab-case, as in the plan: folders, compose services, DNS names. */
  kebab: string;
  camel: string;
  pascal: string;
  /** UPPER_SNAKE: environment variable prefixes. */
  constant: string;
  /** snake_case: database names. */
  snake: string;
}

export function names(kebab: string): Names {
  const words = kebab.split(/[-_.\s]+/).filter(Boolean);
  const cap = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);
  const pascal = words.map(cap).join('');
  return {
    kebab: words.map((w) => w.toLowerCase()).join('-'),
    camel: pascal.charAt(0).toLowerCase() + pascal.slice(1),
    pascal,
    constant: words.map((w) => w.toUpperCase()).join('_'),
    snake: words.map((w) => w.toLowerCase()).join('_'),
  };
}

export interface Resilience {
  timeoutMs: number;
  retry: { maxAttempts: number; initialDelayMs: number; maxDelayMs: number };
  circuitBreaker: { failureThreshold: number; resetMs: number };
  shutdownGraceMs: number;
}

export interface NormalizedDependency {
  service: string;
  names: Names;
  /** Environment variable holding the dependency's base URL, e.g. CATALOG_URL. */
  urlEnv: string;
  /** Default base URL inside docker-compose / Kubernetes. */
  defaultUrl: string;
  /** Base URL when every service runs on this machine (npm start). */
  localUrl: string;
  critical: boolean;
  operations: string[];
  reason?: string;
}

export interface NormalizedDatastore {
  kind: keyof typeof DATASTORE_INFRA;
  /** database name */
  database: string;
  /** compose service / hostname of the store, e.g. orders-db */
  host: string;
  port: number;
  image: string;
  urlEnv: string;
  /** URL inside compose, password taken from the environment (never inline). */
  defaultUrl: string;
  localUrl: string;
}

export interface NormalizedBroker {
  kind: keyof typeof BROKER_INFRA;
  host: string;
  port: number;
  image: string;
  urlEnv: 'BROKER_URL';
  defaultUrl: string;
  localUrl: string;
}

export interface NormalizedOperation extends PlanOperation {
  auth: 'public' | 'jwt';
  scopes: string[];
  errors: number[];
  tags: string[];
  query: PlanField[];
}

export interface NormalizedService {
  name: string;
  names: Names;
  description: string;
  boundedContext?: string;
  responsibilities: string[];
  port: number;
  apiStyle: 'rest' | 'grpc' | 'graphql';
  apiRationale?: string;
  basePath: string;
  models: PlanModel[];
  operations: NormalizedOperation[];
  dependencies: NormalizedDependency[];
  /** Services that call this one. */
  dependents: string[];
  publishes: string[];
  consumes: string[];
  datastore?: NormalizedDatastore;
  resilience: Resilience;
  scaling: Required<NonNullable<PlanService['scaling']>>;
  usesJwt: boolean;
  /** Anything the service needs a broker for. */
  usesBroker: boolean;
}

export interface NormalizedEvent extends PlanEvent {
  names: Names;
}

export interface NormalizedPlan {
  name: string;
  names: Names;
  title: string;
  summary: string;
  boundedContexts: { name: string; description: string; services: string[] }[];
  services: NormalizedService[];
  events: NormalizedEvent[];
  broker?: NormalizedBroker;
  brokerRationale?: string;
  auth: { kind: 'none' | 'jwt'; issuer: string; audience: string; defaultScopes: string[] };
  resilience: Resilience;
  observability: { traceSampleRatio: number; metrics: boolean; logLevel: string; notes?: string };
  apiDesign?: string;
  resilienceNotes?: string;
  decisions: NonNullable<Plan['decisions']>;
  recommendations: string[];
  followUps: string[];
  /** The plan exactly as validated, for arch.plan.json. */
  source: Plan;
}

function mergeResilience(base: Resilience, over: PlanService['resilience'] | undefined): Resilience {
  return {
    timeoutMs: over?.timeoutMs ?? base.timeoutMs,
    retry: { ...base.retry, ...stripUndefined(over?.retry) },
    circuitBreaker: { ...base.circuitBreaker, ...stripUndefined(over?.circuitBreaker) },
    shutdownGraceMs: over?.shutdownGraceMs ?? base.shutdownGraceMs,
  };
}

function stripUndefined<T extends object>(o: T | undefined): Partial<T> {
  if (!o) return {};
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Assigns ports in plan order, skipping ports taken explicitly, so adding a service at the end moves no other port. */
function assignPorts(services: PlanService[]): number[] {
  const taken = new Set(services.map((s) => s.port).filter((p): p is number => p !== undefined));
  let next = DEFAULTS.firstPort;
  return services.map((s) => {
    if (s.port !== undefined) return s.port;
    while (taken.has(next)) next++;
    taken.add(next);
    return next++;
  });
}

export function normalizePlan(plan: Plan): NormalizedPlan {
  const resilience = mergeResilience(DEFAULTS.resilience, plan.resilience);
  const authKind = plan.auth?.kind ?? 'none';
  const ports = assignPorts(plan.services);
  const portOf = new Map(plan.services.map((s, i) => [s.name, ports[i]!]));
  const broker = plan.broker
    ? (() => {
        const infra = BROKER_INFRA[plan.broker.kind];
        return {
          kind: plan.broker.kind,
          host: 'broker',
          port: infra.port,
          image: infra.image,
          urlEnv: 'BROKER_URL' as const,
          defaultUrl: `${infra.scheme}://broker:${infra.port}`,
          localUrl: `${infra.scheme}://127.0.0.1:${infra.port}`,
        };
      })()
    : undefined;

  const dependents = new Map<string, string[]>();
  for (const s of plan.services) for (const d of s.dependsOn ?? []) dependents.set(d.service, [...(dependents.get(d.service) ?? []), s.name]);

  const services: NormalizedService[] = plan.services.map((s, i) => {
    const n = names(s.name);
    const operations: NormalizedOperation[] = s.operations.map((o) => {
      const auth = o.auth ?? (authKind === 'jwt' ? 'jwt' : 'public');
      return {
        ...o,
        auth,
        scopes: auth === 'jwt' ? o.scopes ?? plan.auth?.defaultScopes ?? [] : [],
        errors: [...new Set([...(o.errors ?? []), ...(o.requestBody || (o.query ?? []).length || o.path.includes('{') ? [400] : []), ...(auth === 'jwt' ? [401, 403] : [])])].sort((a, b) => a - b),
        tags: o.tags?.length ? o.tags : [n.kebab],
        query: o.query ?? [],
      };
    });
    const datastore = s.datastore
      ? (() => {
          const infra = DATASTORE_INFRA[s.datastore.kind];
          const database = s.datastore.name ?? n.snake;
          const host = `${n.kebab}-db`;
          const auth = s.datastore.kind === 'redis' ? '' : `${n.snake}:\${${n.constant}_DB_PASSWORD}@`;
          return {
            kind: s.datastore.kind,
            database,
            host,
            port: infra.port,
            image: infra.image,
            urlEnv: 'DATABASE_URL',
            defaultUrl: `${infra.scheme}://${auth}${host}:${infra.port}/${s.datastore.kind === 'redis' ? '0' : database}`,
            localUrl: `${infra.scheme}://127.0.0.1:${infra.port}/${s.datastore.kind === 'redis' ? '0' : database}`,
          };
        })()
      : undefined;
    return {
      name: s.name,
      names: n,
      description: s.description,
      boundedContext: s.boundedContext,
      responsibilities: s.responsibilities ?? [],
      port: ports[i]!,
      apiStyle: s.api?.style ?? 'rest',
      apiRationale: s.api?.rationale,
      basePath: s.api?.basePath ?? '',
      models: s.models ?? [],
      operations,
      dependencies: (s.dependsOn ?? []).map((d) => {
        const dn = names(d.service);
        const port = portOf.get(d.service) ?? DEFAULTS.firstPort;
        return {
          service: d.service,
          names: dn,
          urlEnv: `${dn.constant}_URL`,
          defaultUrl: `http://${dn.kebab}:${port}`,
          localUrl: `http://127.0.0.1:${port}`,
          critical: d.critical ?? true,
          operations: d.operations ?? [],
          reason: d.reason,
        };
      }),
      dependents: dependents.get(s.name) ?? [],
      publishes: s.publishes ?? [],
      consumes: s.consumes ?? [],
      datastore,
      resilience: mergeResilience(resilience, s.resilience),
      scaling: { ...DEFAULTS.scaling, ...stripUndefined(s.scaling) },
      usesJwt: operations.some((o) => o.auth === 'jwt'),
      usesBroker: Boolean(broker) && ((s.publishes ?? []).length > 0 || (s.consumes ?? []).length > 0),
    };
  });

  const contexts = plan.boundedContexts ?? [];
  const implicit = [...new Set(services.map((s) => s.boundedContext).filter((c): c is string => !!c && !contexts.some((k) => k.name === c)))];
  return {
    name: plan.name,
    names: names(plan.name),
    title: plan.title ?? names(plan.name).pascal,
    summary: plan.summary,
    boundedContexts: [...contexts, ...implicit.map((name) => ({ name, description: '' }))].map((c) => ({
      name: c.name,
      description: c.description,
      services: services.filter((s) => s.boundedContext === c.name).map((s) => s.name),
    })),
    services,
    events: (plan.events ?? []).map((e) => ({ ...e, names: names(e.name) })),
    broker,
    brokerRationale: plan.broker?.rationale,
    auth: {
      kind: authKind,
      issuer: plan.auth?.issuer ?? `https://auth.${plan.name}.local/`,
      audience: plan.auth?.audience ?? plan.name,
      defaultScopes: plan.auth?.defaultScopes ?? [],
    },
    resilience,
    observability: { ...DEFAULTS.observability, ...stripUndefined(plan.observability) },
    apiDesign: plan.apiDesign,
    resilienceNotes: plan.resilienceNotes,
    decisions: plan.decisions ?? [],
    recommendations: plan.recommendations ?? [],
    followUps: plan.followUps ?? [],
    source: plan,
  };
}
