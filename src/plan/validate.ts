/**
 * Plan validation in two layers (DESIGN.md §1): the schema first, then the semantic
 * rules a schema cannot say (names unique, references resolve, no cycle of synchronous
 * calls, ports unique, each event produced, each data store owned once). Every problem
 * carries its JSON path so a person, or the agent's repair loop, can fix it in place.
 */
import type { z } from 'zod';
import { InputError, jsonPath, type Problem } from '../errors.js';
import { PRIMITIVE_TYPES, PlanSchema, type Plan, type PlanField, type PlanService } from './schema.js';

/** Names the generated system uses for its own infrastructure containers and routes. */
export const RESERVED_SERVICE_NAMES = new Set([
  'postgres', 'mysql', 'mongodb', 'redis', 'nats', 'rabbitmq', 'kafka', 'zookeeper',
  'otel-collector', 'jaeger', 'prometheus', 'grafana', 'gateway-infra', 'node-modules', 'services', 'docs', 'shared',
  'broker',
]);
export const RESERVED_PATHS = ['/health/live', '/health/ready', '/metrics'];

/** JavaScript reserved words: an operationId becomes a function name. */
const JS_RESERVED = new Set(
  ('break case catch class const continue debugger default delete do else enum export extends false finally for function if ' +
    'import in instanceof new null return super switch this throw true try typeof var void while with yield let static ' +
    'implements interface package private protected public await arguments eval undefined constructor prototype')
    .split(' '),
);

export interface ValidationResult {
  ok: boolean;
  plan?: Plan;
  problems: Problem[];
}

export function schemaProblems(error: z.ZodError): Problem[] {
  return error.issues.map((issue) => {
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') message = `unknown key(s): ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    return { path: jsonPath(issue.path), message };
  });
}

/** Validate an already-parsed value. Never throws for bad input: returns the problems. */
export function checkPlan(value: unknown): ValidationResult {
  const parsed = PlanSchema.safeParse(value);
  if (!parsed.success) return { ok: false, problems: schemaProblems(parsed.error) };
  const problems = semanticProblems(parsed.data);
  return problems.length ? { ok: false, problems } : { ok: true, plan: parsed.data, problems: [] };
}

/** Validate or throw an InputError (exit 2) naming the file and every JSON path. */
export function validatePlan(value: unknown, file?: string): Plan {
  const result = checkPlan(value);
  if (!result.ok || !result.plan) throw new InputError(file, result.problems, 'invalid architecture plan');
  return result.plan;
}

function fold(s: string): string {
  return s.toLowerCase().replace(/[-_.]/g, '');
}

/** Reports duplicates by case-folded key: names that collide on a case-insensitive file system are duplicates too. */
function checkUnique<T>(items: readonly T[] | undefined, key: (t: T) => string, basePath: (i: number) => string, what: string, out: Problem[]) {
  const seen = new Map<string, number>();
  (items ?? []).forEach((item, i) => {
    const k = fold(key(item));
    const first = seen.get(k);
    if (first !== undefined) out.push({ path: basePath(i), message: `${what} "${key(item)}" collides with ${basePath(first)} ("${key(items![first]!)}")` });
    else seen.set(k, i);
  });
}

/** `/orders/{id}` and `/orders/{orderId}` are the same route. */
export function routeKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${path.replace(/\{[^}]+\}/g, '{}')}`;
}

export function semanticProblems(plan: Plan): Problem[] {
  const out: Problem[] = [];
  const services = plan.services;
  const byName = new Map(services.map((s) => [s.name, s]));
  const events = plan.events ?? [];
  const eventNames = new Map(events.map((e) => [e.name, e]));
  const sp = (i: number, ...rest: PropertyKey[]) => jsonPath(['services', i, ...rest]);

  checkUnique(services, (s) => s.name, (i) => sp(i, 'name'), 'service name', out);
  checkUnique(events, (e) => e.name, (i) => jsonPath(['events', i, 'name']), 'event name', out);
  checkUnique(plan.decisions, (d) => d.id, (i) => jsonPath(['decisions', i, 'id']), 'decision id', out);

  const ports = new Map<number, number>();
  const stores = new Map<string, number>();
  services.forEach((s, i) => {
    if (RESERVED_SERVICE_NAMES.has(s.name)) out.push({ path: sp(i, 'name'), message: `"${s.name}" is reserved for the generated infrastructure; choose another name` });
    // `<service>-db` is the host name of a service's data store in compose and Kubernetes.
    else if (s.name.endsWith('-db')) out.push({ path: sp(i, 'name'), message: `names ending in "-db" are reserved for data store hosts; choose another name` });
    if (s.port !== undefined) {
      const other = ports.get(s.port);
      if (other !== undefined) out.push({ path: sp(i, 'port'), message: `port ${s.port} is already used by ${sp(other, 'port')}` });
      else ports.set(s.port, i);
    }
    if (s.datastore) {
      const db = s.datastore.name ?? s.name.replace(/-/g, '_');
      const other = stores.get(db);
      if (other !== undefined) out.push({ path: sp(i, 'datastore', 'name'), message: `data store "${db}" is already owned by ${services[other]!.name}: each service owns its own data store` });
      else stores.set(db, i);
    }
    if (s.boundedContext && plan.boundedContexts && !plan.boundedContexts.some((c) => c.name === s.boundedContext)) {
      out.push({ path: sp(i, 'boundedContext'), message: `bounded context "${s.boundedContext}" is not declared in $.boundedContexts` });
    }
    checkService(plan, s, i, out);

    (s.dependsOn ?? []).forEach((d, j) => {
      const target = byName.get(d.service);
      if (!target) out.push({ path: sp(i, 'dependsOn', j, 'service'), message: `unknown service "${d.service}"${suggest(d.service, [...byName.keys()])}` });
      else if (target === s) out.push({ path: sp(i, 'dependsOn', j, 'service'), message: 'a service cannot depend on itself' });
      else
        (d.operations ?? []).forEach((op, k) => {
          if (!target.operations.some((o) => o.id === op))
            out.push({ path: sp(i, 'dependsOn', j, 'operations', k), message: `service "${target.name}" has no operation "${op}"${suggest(op, target.operations.map((o) => o.id))}` });
        });
    });
    checkUnique(s.dependsOn, (d) => d.service, (j) => sp(i, 'dependsOn', j, 'service'), 'dependency', out);

    (s.publishes ?? []).forEach((e, j) => {
      const ev = eventNames.get(e);
      if (!ev) out.push({ path: sp(i, 'publishes', j), message: `unknown event "${e}"; declare it in $.events` });
      else if (ev.producer !== s.name) out.push({ path: sp(i, 'publishes', j), message: `event "${e}" is produced by "${ev.producer}" according to $.events` });
    });
    (s.consumes ?? []).forEach((e, j) => {
      const ev = eventNames.get(e);
      if (!ev) out.push({ path: sp(i, 'consumes', j), message: `unknown event "${e}"; declare it in $.events` });
      else if (!ev.consumers.includes(s.name)) out.push({ path: sp(i, 'consumes', j), message: `event "${e}" does not list "${s.name}" among its consumers` });
    });
    if (s.scaling?.minReplicas !== undefined && s.scaling.maxReplicas !== undefined && s.scaling.minReplicas > s.scaling.maxReplicas)
      out.push({ path: sp(i, 'scaling', 'minReplicas'), message: 'minReplicas is greater than maxReplicas' });
    checkRetry(s.resilience?.retry, ['services', i, 'resilience', 'retry'], out);
  });
  checkRetry(plan.resilience?.retry, ['resilience', 'retry'], out);

  events.forEach((e, i) => {
    const ep = (...rest: PropertyKey[]) => jsonPath(['events', i, ...rest]);
    if (!byName.has(e.producer)) out.push({ path: ep('producer'), message: `unknown service "${e.producer}"${suggest(e.producer, [...byName.keys()])}` });
    e.consumers.forEach((c, j) => {
      if (!byName.has(c)) out.push({ path: ep('consumers', j), message: `unknown service "${c}"${suggest(c, [...byName.keys()])}` });
    });
    checkUnique(e.payload, (f) => f.name, (j) => ep('payload', j, 'name'), 'field', out);
    e.payload.forEach((f, j) => {
      if (!(PRIMITIVE_TYPES as readonly string[]).includes(f.type)) out.push({ path: ep('payload', j, 'type'), message: `event payload fields must be primitive (${PRIMITIVE_TYPES.join(', ')})` });
    });
  });
  if (events.length > 0 && !plan.broker) out.push({ path: '$.broker', message: 'the plan has events but no broker; add { "kind": "nats" | "rabbitmq" | "kafka" | "redis" }' });

  const jwtOps = services.some((s) => s.operations.some((o) => o.auth === 'jwt'));
  if (jwtOps && plan.auth?.kind !== 'jwt') out.push({ path: '$.auth', message: 'some operations require "jwt" auth but $.auth.kind is not "jwt"' });

  findCycle(services).forEach((cycle) => out.push({ path: cycle.path, message: `synchronous call cycle: ${cycle.names.join(' -> ')}; break it with an event or by merging the services` }));
  return out;
}

function checkRetry(retry: { initialDelayMs?: number; maxDelayMs?: number } | undefined, keys: PropertyKey[], out: Problem[]) {
  if (retry?.initialDelayMs !== undefined && retry.maxDelayMs !== undefined && retry.initialDelayMs > retry.maxDelayMs)
    out.push({ path: jsonPath([...keys, 'initialDelayMs']), message: 'initialDelayMs is greater than maxDelayMs' });
}

function checkService(plan: Plan, s: PlanService, i: number, out: Problem[]) {
  const sp = (...rest: PropertyKey[]) => jsonPath(['services', i, ...rest]);
  const models = new Map((s.models ?? []).map((m) => [m.name, m]));
  checkUnique(s.models, (m) => m.name, (j) => sp('models', j, 'name'), 'model name', out);
  checkUnique(s.operations, (o) => o.id, (j) => sp('operations', j, 'id'), 'operation id', out);

  const checkField = (f: PlanField, path: PropertyKey[], primitiveOnly: boolean) => {
    const isPrimitive = (PRIMITIVE_TYPES as readonly string[]).includes(f.type);
    if (!isPrimitive && (primitiveOnly || !models.has(f.type)))
      out.push({
        path: jsonPath([...path, 'type']),
        message: primitiveOnly
          ? `must be one of ${PRIMITIVE_TYPES.filter((t) => t !== 'object').join(', ')}`
          : `"${f.type}" is neither a primitive (${PRIMITIVE_TYPES.join(', ')}) nor a model of service "${s.name}"${suggest(f.type, [...models.keys()])}`,
      });
    if (primitiveOnly && f.type === 'object') out.push({ path: jsonPath([...path, 'type']), message: 'query parameters must be string, integer, number or boolean' });
    if ((f.format || f.enum || f.maxLength !== undefined) && f.type !== 'string') out.push({ path: jsonPath(path), message: 'format, enum and maxLength apply to string fields only' });
    if ((f.minimum !== undefined || f.maximum !== undefined) && f.type !== 'integer' && f.type !== 'number')
      out.push({ path: jsonPath(path), message: 'minimum and maximum apply to integer and number fields only' });
    if (f.minimum !== undefined && f.maximum !== undefined && f.minimum > f.maximum) out.push({ path: jsonPath([...path, 'minimum']), message: 'minimum is greater than maximum' });
  };
  (s.models ?? []).forEach((m, j) => {
    checkUnique(m.fields, (f) => f.name, (k) => sp('models', j, 'fields', k, 'name'), 'field', out);
    m.fields.forEach((f, k) => checkField(f, ['services', i, 'models', j, 'fields', k], false));
  });

  const routes = new Map<string, number>();
  s.operations.forEach((o, j) => {
    const op = (...rest: PropertyKey[]) => sp('operations', j, ...rest);
    if (JS_RESERVED.has(o.id)) out.push({ path: op('id'), message: `"${o.id}" is a reserved word in JavaScript; choose another operation id` });
    const full = `${s.api?.basePath ?? ''}${o.path}`;
    if (RESERVED_PATHS.some((r) => full === r || full.startsWith(`${r}/`))) out.push({ path: op('path'), message: `${full} is reserved for health checks and metrics` });
    if (o.path.split('/').some((seg) => seg === '..' || seg === '.')) out.push({ path: op('path'), message: 'path segments "." and ".." are not allowed' });
    const key = routeKey(o.method, full);
    const other = routes.get(key);
    if (other !== undefined) out.push({ path: op('path'), message: `${o.method.toUpperCase()} ${o.path} duplicates ${sp('operations', other, 'path')}` });
    else routes.set(key, j);
    const params = [...o.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
    if (new Set(params).size !== params.length) out.push({ path: op('path'), message: 'a path parameter appears twice' });
    if (o.requestBody && !models.has(o.requestBody)) out.push({ path: op('requestBody'), message: `unknown model "${o.requestBody}"${suggest(o.requestBody, [...models.keys()])}` });
    if (o.requestBody && (o.method === 'get' || o.method === 'delete')) out.push({ path: op('requestBody'), message: `${o.method.toUpperCase()} requests carry no body` });
    if (o.response.model && !models.has(o.response.model)) out.push({ path: op('response', 'model'), message: `unknown model "${o.response.model}"${suggest(o.response.model, [...models.keys()])}` });
    if (o.response.paginated && !o.response.model) out.push({ path: op('response', 'model'), message: 'a paginated response needs the model of its items' });
    if (o.response.status === 204 && o.response.model) out.push({ path: op('response', 'model'), message: '204 No Content has no body' });
    const effectiveAuth = o.auth ?? (plan.auth?.kind === 'jwt' ? 'jwt' : 'public');
    if (o.scopes?.length && effectiveAuth !== 'jwt')
      out.push({ path: op('scopes'), message: `scopes apply only to operations with jwt auth; this one is public${plan.auth?.kind === 'jwt' ? '' : ' because $.auth.kind is not "jwt"'}` });
    checkUnique(o.query, (f) => f.name, (k) => op('query', k, 'name'), 'query parameter', out);
    (o.query ?? []).forEach((f, k) => {
      checkField(f, ['services', i, 'operations', j, 'query', k], true);
      if (params.includes(f.name)) out.push({ path: op('query', k, 'name'), message: `"${f.name}" is already a path parameter` });
      if (o.response.paginated && (f.name === 'limit' || f.name === 'cursor')) out.push({ path: op('query', k, 'name'), message: `"${f.name}" is added by pagination; remove it` });
    });
  });
}

interface Cycle {
  path: string;
  names: string[];
}

/** Depth-first search for cycles among synchronous dependencies; each cycle reported once. */
function findCycle(services: PlanService[]): Cycle[] {
  const index = new Map(services.map((s, i) => [s.name, i]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const cycles: Cycle[] = [];
  const visit = (name: string) => {
    state.set(name, 'visiting');
    stack.push(name);
    const svc = services[index.get(name)!]!;
    for (const [j, d] of (svc.dependsOn ?? []).entries()) {
      if (!index.has(d.service) || d.service === name) continue;
      const st = state.get(d.service);
      if (st === 'visiting') {
        const from = stack.indexOf(d.service);
        cycles.push({ path: jsonPath(['services', index.get(name)!, 'dependsOn', j, 'service']), names: [...stack.slice(from), d.service] });
      } else if (st === undefined) visit(d.service);
    }
    stack.pop();
    state.set(name, 'done');
  };
  for (const s of services) if (!state.has(s.name)) visit(s.name);
  return cycles;
}

/** " (did you mean "x"?)" for a near miss, so a model or a person can fix a typo in one round. */
export function suggest(word: string, candidates: string[]): string {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? ` (did you mean "${best}"?)` : '';
}

function distance(a: string, b: string): number {
  if (a.length > 64 || b.length > 64) return Infinity;
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
