/**
 * The template context of docs/ARCHITECTURE.md and the ADRs, built in plain functions from
 * the normalized plan (and each service's API as read from its openapi.yaml). Every piece of
 * plan text is escaped here for where it lands (table cell, inline, block); the templates only
 * loop and place.
 */
import type { ServiceApi } from '../../src/openapi/model.js';
import type { NormalizedOperation, NormalizedPlan, NormalizedService, Resilience } from '../../src/plan/normalize.js';
import type { PlanDecision, PlanField } from '../../src/plan/schema.js';
import { OBSERVABILITY } from '../compose/infra.js';
import { mdBlock, mdCell, mdCode, mdInline, slug } from './markdown.js';
import { mermaidDiagram } from './mermaid.js';

export function adrPath(d: PlanDecision): string {
  return `docs/adr/${d.id}-${slug(d.title)}.md`;
}

function fieldText(f: PlanField): string {
  const type = `${f.type}${f.format ? ` (${f.format})` : ''}${f.array ? '[]' : ''}`;
  const notes = [
    f.required ? 'required' : undefined,
    f.nullable ? 'nullable' : undefined,
    f.enum?.length ? `one of ${f.enum.join(', ')}` : undefined,
    f.minimum !== undefined ? `≥ ${f.minimum}` : undefined,
    f.maximum !== undefined ? `≤ ${f.maximum}` : undefined,
    f.maxLength !== undefined ? `max ${f.maxLength} chars` : undefined,
    f.description,
  ].filter((x): x is string => x !== undefined && x !== '');
  return `${f.name}: ${type}${notes.length ? ` (${notes.join('; ')})` : ''}`;
}

/** Fields as one table cell, one per line. */
function fieldsCell(fields: readonly PlanField[]): string {
  return fields.map((f) => mdCell(fieldText(f))).join('<br>');
}

function retryText(r: Resilience): string {
  return r.retry.maxAttempts <= 1 ? 'none' : `${r.retry.maxAttempts} attempts, backoff ${r.retry.initialDelayMs}–${r.retry.maxDelayMs} ms with jitter`;
}

function breakerText(r: Resilience): string {
  return `opens after ${r.circuitBreaker.failureThreshold} consecutive failures, half-opens after ${r.circuitBreaker.resetMs} ms`;
}

function authText(auth: 'public' | 'jwt', scopes: readonly string[]): string {
  if (auth === 'public') return 'public';
  return scopes.length ? `JWT, scopes ${scopes.map((s) => mdCode(s)).join(', ')}` : 'JWT';
}

interface OperationRow {
  method: string;
  path: string;
  id: string;
  summary: string;
  request: string;
  response: string;
  errors: string;
  auth: string;
}

function planOperationRow(s: NormalizedService, o: NormalizedOperation): OperationRow {
  const query = o.query.map((q) => `${q.name}: ${q.type}${q.required ? ' (required)' : ''}`);
  const request = [o.requestBody ? `body ${o.requestBody}` : '', query.length ? `query ${query.join(', ')}` : '', o.idempotencyKey ? 'Idempotency-Key' : '']
    .filter(Boolean)
    .join('; ');
  const response = `${o.response.status}${o.response.model ? ` ${o.response.paginated ? `page of ${o.response.model}` : o.response.model}` : ''}`;
  const summary = o.description ? `${mdCell(o.summary)}<br>${mdCell(o.description)}` : mdCell(o.summary);
  return {
    method: o.method.toUpperCase(),
    path: mdCode(`${s.basePath}${o.path}`),
    // Tags other than the default (the service name) decide the handler file; worth showing.
    id: o.tags.length === 1 && o.tags[0] === s.names.kebab ? mdCode(o.id) : `${mdCode(o.id)}<br>tags: ${o.tags.map((t) => mdCell(t)).join(', ')}`,
    summary,
    request: mdCell(request || '—'),
    response: mdCell(response),
    errors: mdCell(o.errors.length ? o.errors.join(', ') : '—'),
    auth: authText(o.auth, o.scopes),
  };
}

/**
 * The operations of a service. After creation its openapi.yaml is the source of truth for the
 * API (DESIGN.md §3), so when the spec has been read the table follows it; details the spec
 * model does not carry (request/response model names, errors) come from the plan operation of
 * the same operationId when there is one.
 */
export function operationRows(s: NormalizedService, api: ServiceApi | undefined): OperationRow[] {
  if (!api) return s.operations.map((o) => planOperationRow(s, o));
  return api.operations.map((a) => {
    // Spec paths carry the base path (src/openapi/model.ts); plan paths do not.
    const planned = s.operations.find((o) => o.id === (a.operationId ?? a.handlerName));
    if (planned && planned.method === a.method && `${s.basePath}${planned.path}` === a.path) return planOperationRow(s, planned);
    return {
      method: a.method.toUpperCase(),
      path: mdCode(a.path),
      id: mdCode(a.operationId ?? a.handlerName),
      summary: mdCell(a.summary ?? ''),
      request: mdCell(a.bodyContentTypes.length ? `body (${a.bodyContentTypes.join(', ')})` : '—'),
      response: mdCell(String(a.successStatus)),
      errors: '—',
      auth: a.security ? authText('jwt', a.security.scopes) : 'public',
    };
  });
}

function serviceContext(plan: NormalizedPlan, s: NormalizedService, api: ServiceApi | undefined) {
  const eventsOf = (names: string[]) => names.map((n) => mdCode(n)).join(', ');
  return {
    name: s.name,
    anchor: s.name,
    description: mdBlock(s.description),
    boundedContext: s.boundedContext ? mdInline(s.boundedContext) : undefined,
    port: s.port,
    basePath: s.basePath ? mdCode(s.basePath) : undefined,
    responsibilities: s.responsibilities.map(mdInline),
    apiStyle: s.apiStyle.toUpperCase(),
    apiStyleNote: s.apiStyle === 'rest' ? undefined : 'the generated skeleton exposes REST/OpenAPI; the chosen style is recorded here as a decision to implement',
    apiRationale: s.apiRationale ? mdInline(s.apiRationale) : undefined,
    operations: operationRows(s, api),
    models: s.models.map((m) => ({ name: mdCode(m.name), description: mdCell(m.description ?? ''), fields: fieldsCell(m.fields) })),
    dependencies: s.dependencies.map((d) => ({
      service: d.service,
      operations: d.operations.length ? d.operations.map((o) => mdCode(o)).join(', ') : 'all',
      critical: d.critical ? 'yes: readiness fails while it is down' : 'no',
      env: mdCode(d.urlEnv),
      reason: mdCell(d.reason ?? '—'),
    })),
    dependents: s.dependents.join(', '),
    publishes: eventsOf(s.publishes),
    consumes: eventsOf(s.consumes),
    datastore: s.datastore
      ? `${s.datastore.kind}, database ${mdCode(s.datastore.database)} (container ${mdCode(s.datastore.host)}), owned by this service alone`
      : undefined,
    scaling: `${s.scaling.replicas} replicas (autoscaled ${s.scaling.minReplicas}–${s.scaling.maxReplicas} on CPU), requests ${s.scaling.cpu} CPU and ${s.scaling.memory}`,
  };
}

export function architectureContext(plan: NormalizedPlan, apis: ReadonlyMap<string, ServiceApi>) {
  const r = plan.resilience;
  const prov = plan.source.provenance;
  return {
    title: mdInline(plan.title),
    name: plan.name,
    summary: mdBlock(plan.summary),
    boundedContexts: plan.boundedContexts.map((c) => ({
      name: mdCell(c.name),
      description: mdCell(c.description || '—'),
      services: c.services.length ? c.services.map((s) => `[${s}](#${s})`).join(', ') : '—',
    })),
    diagram: mermaidDiagram(plan),
    services: plan.services.map((s) => serviceContext(plan, s, apis.get(s.name))),
    apiDesign: plan.apiDesign ? mdBlock(plan.apiDesign) : undefined,
    calls: plan.services.flatMap((s) =>
      s.dependencies.map((d) => ({
        from: s.name,
        to: d.service,
        operations: d.operations.length ? d.operations.map((o) => mdCode(o)).join(', ') : 'all',
        critical: d.critical ? 'yes' : 'no',
        timeout: `${s.resilience.timeoutMs} ms`,
        retry: retryText(s.resilience),
        reason: mdCell(d.reason ?? '—'),
      })),
    ),
    broker: plan.broker ? { kind: plan.broker.kind, host: mdCode(plan.broker.host), rationale: plan.brokerRationale ? mdInline(plan.brokerRationale) : undefined } : undefined,
    events: plan.events.map((e) => ({
      name: mdCode(e.name),
      producer: e.producer,
      consumers: e.consumers.length ? e.consumers.join(', ') : '—',
      payload: fieldsCell(e.payload),
      delivery: e.delivery ?? 'at-least-once',
      description: mdCell(e.description),
    })),
    resilienceNotes: plan.resilienceNotes ? mdBlock(plan.resilienceNotes) : undefined,
    resilienceDefaults: {
      timeout: `${r.timeoutMs} ms`,
      retry: retryText(r),
      breaker: breakerText(r),
      shutdown: `${r.shutdownGraceMs} ms`,
    },
    resilience: plan.services.map((s) => ({
      name: s.name,
      timeout: `${s.resilience.timeoutMs} ms`,
      retry: retryText(s.resilience),
      breaker: breakerText(s.resilience),
      shutdown: `${s.resilience.shutdownGraceMs} ms`,
    })),
    observability: {
      sampleRatio: plan.observability.traceSampleRatio,
      samplePercent: `${Math.round(plan.observability.traceSampleRatio * 1000) / 10}%`,
      metrics: plan.observability.metrics,
      logLevel: plan.observability.logLevel,
      notes: plan.observability.notes ? mdBlock(plan.observability.notes) : undefined,
      jaegerUrl: `http://localhost:${OBSERVABILITY.jaeger.uiPort}`,
      metricsUrl: `http://localhost:${OBSERVABILITY.collector.prometheusPort}/metrics`,
    },
    auth: {
      jwt: plan.auth.kind === 'jwt',
      issuer: mdCode(plan.auth.issuer),
      audience: mdCode(plan.auth.audience),
      defaultScopes: plan.auth.defaultScopes.map((s) => mdCode(s)).join(', '),
      secured: plan.services.flatMap((s) => s.operations.filter((o) => o.auth === 'jwt').map(() => 1)).length,
      public: plan.services.flatMap((s) => s.operations.filter((o) => o.auth === 'public').map(() => 1)).length,
    },
    decisions: plan.decisions.map((d) => ({ id: d.id, title: mdInline(d.title), status: d.status, link: adrPath(d).replace(/^docs\//, '') })),
    recommendations: plan.recommendations.map(mdInline),
    followUps: plan.followUps.map(mdInline),
    provenance: prov
      ? {
          generator: mdInline(prov.generator),
          model: prov.model ? mdCode(prov.model) : undefined,
          sdkVersion: prov.sdkVersion ? mdCode(prov.sdkVersion) : undefined,
          inputHash: prov.inputHash ? mdCode(prov.inputHash) : undefined,
          usage: prov.usage
            ? `${prov.usage.inputTokens} input and ${prov.usage.outputTokens} output tokens` +
              (prov.usage.cacheReadTokens !== undefined ? `, ${prov.usage.cacheReadTokens} read from cache` : '') +
              (prov.usage.cacheWriteTokens !== undefined ? `, ${prov.usage.cacheWriteTokens} written to cache` : '')
            : undefined,
          cost: prov.estimatedCostUsd !== undefined ? `$${prov.estimatedCostUsd.toFixed(4)}` : undefined,
          repairs: prov.repairs,
        }
      : undefined,
  };
}

export function adrContext(d: PlanDecision) {
  return {
    id: d.id,
    title: mdInline(d.title),
    status: d.status,
    context: mdBlock(d.context),
    decision: mdBlock(d.decision),
    consequences: mdBlock(d.consequences),
  };
}
