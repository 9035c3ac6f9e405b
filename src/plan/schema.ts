/**
 * The architecture plan: the single description of a system's topology.
 *
 * Kept flat and non-recursive on purpose (DESIGN.md §1): models are named lists of
 * fields linked by name, services reference each other by name. A language model can
 * fill a flat shape reliably, and structured outputs can express it.
 *
 * Every name that becomes a path, an identifier or a hostname is constrained by a
 * pattern here. The Anthropic SDK moves `pattern`/`maxLength` into descriptions when
 * it builds a structured-output format, so these rules are enforced after the model
 * answers, by `validatePlan`, not trusted to the model.
 */
import { z } from 'zod';

/** kebab-case, starts with a letter: safe as a folder, a DNS label, a compose service and an env prefix. */
export const SERVICE_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
/** PascalCase type name: safe as a TypeScript identifier and a components/schemas key. */
export const MODEL_NAME = /^[A-Z][A-Za-z0-9]*$/;
/** camelCase operationId: safe as a TypeScript function name. */
export const OPERATION_ID = /^[a-z][A-Za-z0-9]*$/;
/** Field and parameter names: identifiers, so generated types need no quoting surprises. */
export const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Event names such as `order.placed`: dot-separated lower-case words. */
export const EVENT_NAME = /^[a-z][a-z0-9]*(?:[._-][a-z0-9]+)*$/;
/** URL paths: segments of safe characters and `{param}` placeholders; no `..`, no query. */
export const API_PATH = /^\/(?:(?:[A-Za-z0-9_.-]+|\{[A-Za-z_][A-Za-z0-9_]*\})(?:\/(?:[A-Za-z0-9_.-]+|\{[A-Za-z_][A-Za-z0-9_]*\}))*)?$/;

export const LIMITS = {
  services: 200,
  operationsPerService: 300,
  modelsPerService: 300,
  fieldsPerModel: 200,
  events: 500,
  name: 40,
  identifier: 64,
  shortText: 200,
  longText: 10_000,
  listItems: 100,
} as const;

const name = (re: RegExp, max: number, what: string) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(re, { message: `must be ${what}` })
    .describe(`${what}; at most ${max} characters`);

export const serviceName = name(SERVICE_NAME, LIMITS.name, 'kebab-case (lower-case letters, digits and single hyphens, starting with a letter)');
export const modelName = name(MODEL_NAME, LIMITS.identifier, 'PascalCase (letters and digits, starting with an upper-case letter)');
export const operationId = name(OPERATION_ID, LIMITS.identifier, 'camelCase (letters and digits, starting with a lower-case letter)');
export const fieldName = name(FIELD_NAME, LIMITS.identifier, 'an identifier (letters, digits and underscores, not starting with a digit)');
export const eventName = name(EVENT_NAME, LIMITS.identifier, 'lower-case words separated by dots, e.g. order.placed');
const shortText = z.string().max(LIMITS.shortText);
const longText = z.string().max(LIMITS.longText);
const textList = z.array(longText).max(LIMITS.listItems);

export const PRIMITIVE_TYPES = ['string', 'integer', 'number', 'boolean', 'object'] as const;
export const STRING_FORMATS = ['date-time', 'date', 'email', 'uri', 'uuid', 'password', 'byte'] as const;

/**
 * One field of a model, a query parameter, or an event payload.
 * `type` is a primitive or the name of a model of the same service (a link by name, never nesting).
 */
export const FieldSchema = z
  .object({
    name: fieldName,
    type: z
      .string()
      .min(1)
      .max(LIMITS.identifier)
      .describe(`one of ${PRIMITIVE_TYPES.join(', ')}, or the name of a model of the same service`),
    format: z.enum(STRING_FORMATS).optional().describe('string format'),
    array: z.boolean().optional().describe('a list of `type`'),
    required: z.boolean().optional().describe('defaults to false'),
    nullable: z.boolean().optional(),
    enum: z.array(z.string().min(1).max(LIMITS.identifier)).max(LIMITS.listItems).optional(),
    minimum: z.number().optional(),
    maximum: z.number().optional(),
    maxLength: z.number().int().min(1).optional(),
    description: shortText.optional(),
  })
  .strict();

export const ModelSchema = z
  .object({
    name: modelName,
    description: shortText.optional(),
    fields: z.array(FieldSchema).min(1).max(LIMITS.fieldsPerModel),
  })
  .strict();

export const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
export const ERROR_STATUSES = [400, 401, 403, 404, 409, 412, 422, 429, 500, 502, 503, 504] as const;

export const OperationSchema = z
  .object({
    id: operationId.describe('operationId, camelCase, unique within the service'),
    method: z.enum(HTTP_METHODS),
    path: z
      .string()
      .min(1)
      .max(LIMITS.shortText)
      .regex(API_PATH, { message: 'must be a URL path such as /orders/{orderId}: safe characters, {param} placeholders, no query string' }),
    summary: shortText,
    description: longText.optional(),
    tags: z.array(z.string().min(1).max(LIMITS.identifier)).max(10).optional(),
    query: z.array(FieldSchema).max(50).optional().describe('query parameters (primitive types only)'),
    requestBody: modelName.optional().describe('name of the request body model'),
    response: z
      .object({
        status: z.number().int().min(200).max(299),
        model: modelName.optional().describe('name of the response model; omit for no body'),
        paginated: z.boolean().optional().describe('list endpoint: returns { items: model[], nextCursor } and takes limit/cursor'),
      })
      .strict(),
    errors: z.array(z.number().int().min(400).max(599)).max(20).optional().describe('error statuses this operation can answer'),
    auth: z.enum(['public', 'jwt']).optional().describe('defaults to the plan auth default'),
    scopes: z.array(z.string().min(1).max(LIMITS.identifier)).max(20).optional(),
    idempotencyKey: z.boolean().optional().describe('POST accepts an Idempotency-Key header and may be retried with it'),
  })
  .strict();

export const DATASTORE_KINDS = ['postgres', 'mysql', 'mongodb', 'redis'] as const;
export const BROKER_KINDS = ['nats', 'rabbitmq', 'kafka', 'redis'] as const;

export const DependencySchema = z
  .object({
    service: serviceName.describe('the service called synchronously'),
    operations: z.array(operationId).max(100).optional().describe('operations of that service this one calls; all when omitted'),
    critical: z.boolean().optional().describe('readiness fails while the dependency is down; defaults to true'),
    reason: shortText.optional(),
  })
  .strict();

export const RetrySchema = z
  .object({
    maxAttempts: z.number().int().min(1).max(10),
    initialDelayMs: z.number().int().min(1).max(60_000),
    maxDelayMs: z.number().int().min(1).max(600_000),
  })
  .strict();

export const CircuitBreakerSchema = z
  .object({
    failureThreshold: z.number().int().min(1).max(1000).describe('consecutive failures that open the breaker'),
    resetMs: z.number().int().min(100).max(3_600_000).describe('how long the breaker stays open before a trial call'),
  })
  .strict();

export const ResilienceSchema = z
  .object({
    timeoutMs: z.number().int().min(10).max(600_000).optional(),
    retry: RetrySchema.partial().strict().optional(),
    circuitBreaker: CircuitBreakerSchema.partial().strict().optional(),
    shutdownGraceMs: z.number().int().min(0).max(600_000).optional(),
  })
  .strict();

export const ScalingSchema = z
  .object({
    replicas: z.number().int().min(1).max(1000).optional(),
    minReplicas: z.number().int().min(1).max(1000).optional(),
    maxReplicas: z.number().int().min(1).max(1000).optional(),
    cpu: z.string().regex(/^[0-9]+m?$/).max(16).optional().describe('CPU request, e.g. 250m'),
    memory: z.string().regex(/^[0-9]+(Mi|Gi)$/).max(16).optional().describe('memory request, e.g. 256Mi'),
  })
  .strict();

export const ServiceSchema = z
  .object({
    name: serviceName,
    description: longText,
    boundedContext: z.string().min(1).max(LIMITS.identifier).optional(),
    responsibilities: textList.optional(),
    port: z.number().int().min(1024).max(65535).optional(),
    api: z
      .object({
        style: z.enum(['rest', 'grpc', 'graphql']).describe('the style chosen; the generator emits REST/OpenAPI, other styles are recorded as decisions'),
        basePath: z
          .string()
          .regex(/^(\/[a-z0-9-]+)*$/)
          .max(LIMITS.shortText)
          .optional()
          .describe('prefix for every route, e.g. /v1'),
        rationale: shortText.optional(),
      })
      .strict()
      .optional(),
    models: z.array(ModelSchema).max(LIMITS.modelsPerService).optional(),
    operations: z.array(OperationSchema).max(LIMITS.operationsPerService),
    dependsOn: z.array(DependencySchema).max(50).optional().describe('synchronous calls to other services'),
    publishes: z.array(eventName).max(100).optional(),
    consumes: z.array(eventName).max(100).optional(),
    datastore: z
      .object({
        kind: z.enum(DATASTORE_KINDS),
        name: z
          .string()
          .regex(/^[a-z][a-z0-9_]*$/)
          .max(LIMITS.name)
          .optional()
          .describe('database name; defaults to the service name with underscores'),
      })
      .strict()
      .optional(),
    resilience: ResilienceSchema.optional(),
    scaling: ScalingSchema.optional(),
  })
  .strict();

export const EventSchema = z
  .object({
    name: eventName,
    description: shortText,
    producer: serviceName,
    consumers: z.array(serviceName).max(100),
    payload: z.array(FieldSchema).min(1).max(LIMITS.fieldsPerModel),
    delivery: z.enum(['at-least-once', 'at-most-once', 'exactly-once']).optional(),
  })
  .strict();

export const DecisionSchema = z
  .object({
    id: z.string().regex(/^ADR-[0-9]{3,4}$/).describe('ADR-001, ADR-002, ...'),
    title: shortText,
    status: z.enum(['proposed', 'accepted', 'superseded', 'deprecated']),
    context: longText,
    decision: longText,
    consequences: longText,
  })
  .strict();

export const ProvenanceSchema = z
  .object({
    generator: z.string().max(LIMITS.shortText),
    model: z.string().max(LIMITS.shortText).optional(),
    sdkVersion: z.string().max(LIMITS.identifier).optional(),
    inputHash: z.string().max(LIMITS.shortText).optional(),
    usage: z
      .object({
        inputTokens: z.number().int().min(0),
        outputTokens: z.number().int().min(0),
        cacheReadTokens: z.number().int().min(0).optional(),
        cacheWriteTokens: z.number().int().min(0).optional(),
      })
      .strict()
      .optional(),
    estimatedCostUsd: z.number().min(0).optional(),
    repairs: z.number().int().min(0).optional(),
  })
  .strict();

export const PlanSchema = z
  .object({
    $schema: z.string().max(LIMITS.shortText).optional(),
    planVersion: z.literal(1),
    name: serviceName.describe('the system name, kebab-case'),
    title: shortText.optional(),
    summary: longText.describe('what the system does and the shape of the architecture, in a paragraph'),
    boundedContexts: z
      .array(
        z
          .object({
            name: z.string().min(1).max(LIMITS.identifier),
            description: longText,
          })
          .strict(),
      )
      .max(LIMITS.listItems)
      .optional(),
    services: z.array(ServiceSchema).min(1).max(LIMITS.services),
    events: z.array(EventSchema).max(LIMITS.events).optional(),
    broker: z
      .object({ kind: z.enum(BROKER_KINDS), rationale: shortText.optional() })
      .strict()
      .optional()
      .describe('required when there are events'),
    auth: z
      .object({
        kind: z.enum(['none', 'jwt']),
        issuer: z.string().max(LIMITS.shortText).optional(),
        audience: z.string().max(LIMITS.shortText).optional(),
        defaultScopes: z.array(z.string().min(1).max(LIMITS.identifier)).max(20).optional(),
      })
      .strict()
      .optional(),
    resilience: ResilienceSchema.optional(),
    observability: z
      .object({
        traceSampleRatio: z.number().min(0).max(1).optional(),
        metrics: z.boolean().optional(),
        logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).optional(),
        notes: longText.optional(),
      })
      .strict()
      .optional(),
    apiDesign: longText.optional().describe('API design conventions: versioning, pagination, errors, idempotency'),
    resilienceNotes: longText.optional(),
    decisions: z.array(DecisionSchema).max(LIMITS.listItems).optional(),
    recommendations: textList.optional(),
    followUps: textList.optional(),
    provenance: ProvenanceSchema.optional(),
  })
  .strict();

export type Plan = z.infer<typeof PlanSchema>;
export type PlanService = z.infer<typeof ServiceSchema>;
export type PlanOperation = z.infer<typeof OperationSchema>;
export type PlanModel = z.infer<typeof ModelSchema>;
export type PlanField = z.infer<typeof FieldSchema>;
export type PlanEvent = z.infer<typeof EventSchema>;
export type PlanDecision = z.infer<typeof DecisionSchema>;

/** JSON Schema of the plan (draft 2020-12), for editors (`$schema`) and the agent's output format. */
export function planJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(PlanSchema, { target: 'draft-2020-12' }) as Record<string, unknown>;
  return {
    title: 'create-arch-service architecture plan',
    ...schema,
  };
}
