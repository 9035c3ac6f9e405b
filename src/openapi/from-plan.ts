/**
 * specFromPlan: a service's openapi.yaml (OpenAPI 3.1.0) rendered from the plan.
 *
 * Decisions (written down here because the generated servers and clients rely on them):
 * - The service base path (e.g. /v1) is part of every path in the document, not of
 *   `servers`, so a route URL is exactly its spec path and a user editing openapi.yaml
 *   sees the real URLs.
 * - One local server entry, `http://localhost:<port>`.
 * - Errors are RFC 9457 problem details (`application/problem+json`), one shared
 *   component response per status, referenced from every operation that lists it.
 * - Lists are cursor-paginated: `limit` (1..100, default 20) and `cursor` query
 *   parameters, and a `<Model>Page` response `{ items, nextCursor }`.
 * - Nullable fields use 3.1 type arrays (`type: [string, 'null']`), or
 *   `anyOf: [$ref, {type: 'null'}]` for model references.
 *
 * Output is deterministic: keys are emitted in a fixed order built here, paths and
 * models in plan order, so the same plan gives the same bytes.
 */
import { Document } from 'yaml';
import { DEFAULTS, type NormalizedOperation, type NormalizedPlan, type NormalizedService } from '../plan/normalize.js';
import type { PlanField, PlanModel } from '../plan/schema.js';

type Obj = Record<string, unknown>;

const PRIMITIVES = new Set(['string', 'integer', 'number', 'boolean', 'object']);

/** Reason phrases (RFC 9110 §15 and registered extensions), fixed here so output does not depend on the Node version. */
const STATUS_NAMES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  411: 'Length Required',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  423: 'Locked',
  424: 'Failed Dependency',
  425: 'Too Early',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  451: 'Unavailable For Legal Reasons',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** Component response key for an error status: `NotFound`, `TooManyRequests`, `Status418`. */
export function errorResponseName(status: number): string {
  const phrase = STATUS_NAMES[status];
  return phrase ? phrase.replace(/[^A-Za-z0-9]+/g, ' ').split(' ').filter(Boolean).map((w) => w[0]!.toUpperCase() + w.slice(1)).join('') : `Status${status}`;
}

function statusPhrase(status: number): string {
  return STATUS_NAMES[status] ?? (status >= 500 ? 'Server error' : 'Client error');
}

/** A component name not yet taken: `base`, then `base2`, `base3`, ... */
function freeName(base: string, taken: Set<string>): string {
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}${i}`;
  taken.add(name);
  return name;
}

const schemaRef = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** JSON Schema (OpenAPI 3.1 dialect) of one plan field. */
export function fieldSchema(field: PlanField, models: ReadonlySet<string>): Obj {
  const isModel = !PRIMITIVES.has(field.type) && models.has(field.type);
  let item: Obj;
  if (isModel) {
    item = schemaRef(field.type);
  } else {
    const type = PRIMITIVES.has(field.type) ? field.type : 'string';
    item = { type };
    if (field.format) item.format = field.format;
    if (field.enum?.length) item.enum = [...field.enum];
    if (field.maxLength !== undefined) item.maxLength = field.maxLength;
    if (field.minimum !== undefined) item.minimum = field.minimum;
    if (field.maximum !== undefined) item.maximum = field.maximum;
    if (type === 'object') item.additionalProperties = true;
  }
  let schema: Obj = field.array ? { type: 'array', items: item } : item;
  if (field.nullable) {
    if (isModel && !field.array) schema = { anyOf: [schema, { type: 'null' }] };
    else {
      schema = { ...schema, type: [schema.type, 'null'] };
      // A JSON Schema enum is checked on its own: null must be listed to be accepted.
      if (Array.isArray(schema.enum)) schema.enum = [...(schema.enum as unknown[]), null];
    }
  }
  if (field.description) schema = { description: field.description, ...schema };
  return schema;
}

function modelSchema(model: PlanModel, models: ReadonlySet<string>): Obj {
  const required = model.fields.filter((f) => f.required).map((f) => f.name);
  const out: Obj = { type: 'object' };
  if (model.description) out.description = model.description;
  if (required.length) out.required = required;
  out.properties = Object.fromEntries(model.fields.map((f) => [f.name, fieldSchema(f, models)]));
  return out;
}

function pathParams(path: string): string[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
}

function queryParameter(field: PlanField, models: ReadonlySet<string>): Obj {
  const p: Obj = { name: field.name, in: 'query' };
  if (field.description) p.description = field.description;
  if (field.required) p.required = true;
  const { description: _d, ...schema } = fieldSchema({ ...field, description: undefined }, models);
  p.schema = schema;
  return p;
}

interface Names {
  problem: string;
  fieldError: string;
  pages: Map<string, string>;
}

function operationObject(op: NormalizedOperation, models: ReadonlySet<string>, names: Names): Obj {
  const out: Obj = { operationId: op.id, summary: op.summary };
  if (op.description) out.description = op.description;
  out.tags = [...op.tags];
  out.security = op.auth === 'jwt' ? [{ bearerAuth: [...op.scopes] }] : [];

  const parameters: Obj[] = pathParams(op.path).map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
  for (const q of op.query) parameters.push(queryParameter(q, models));
  if (op.response.paginated) parameters.push({ $ref: '#/components/parameters/Limit' }, { $ref: '#/components/parameters/Cursor' });
  if (op.idempotencyKey) parameters.push({ $ref: '#/components/parameters/IdempotencyKey' });
  if (parameters.length) out.parameters = parameters;

  if (op.requestBody) {
    out.requestBody = { required: true, content: { 'application/json': { schema: schemaRef(op.requestBody) } } };
  }

  const responses: Obj = {};
  const success: Obj = { description: op.response.model ? `${op.response.paginated ? 'A page of' : 'The'} ${op.response.model}${op.response.paginated ? ' items' : ''}` : statusPhraseForSuccess(op.response.status) };
  if (op.response.model && op.response.status !== 204) {
    const model = op.response.paginated ? names.pages.get(op.response.model)! : op.response.model;
    success.content = { 'application/json': { schema: schemaRef(model) } };
  }
  responses[String(op.response.status)] = success;
  for (const status of op.errors) responses[String(status)] = { $ref: `#/components/responses/${errorResponseName(status)}` };
  out.responses = responses;
  return out;
}

function statusPhraseForSuccess(status: number): string {
  const phrases: Record<number, string> = { 200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content' };
  return phrases[status] ?? 'Success';
}

/** The service's openapi.yaml as the plan describes it. */
export function specFromPlan(plan: NormalizedPlan, service: NormalizedService): string {
  const models = new Set(service.models.map((m) => m.name));
  const taken = new Set(models);
  const pages = new Map<string, string>();
  for (const op of service.operations) {
    if (op.response.paginated && op.response.model && !pages.has(op.response.model)) pages.set(op.response.model, freeName(`${op.response.model}Page`, taken));
  }
  const names: Names = { problem: freeName('Problem', taken), fieldError: freeName('ProblemFieldError', taken), pages };

  const info: Obj = {
    // "Shop catalog API"; "Notes API" when the system and its one service share a name.
    title: plan.title.toLowerCase().replace(/\s+/g, '-') === service.name ? `${plan.title} API` : `${plan.title} ${service.name} API`,
    version: '1.0.0',
    description: [service.description, ...(service.responsibilities.length ? ['', 'Responsibilities:', ...service.responsibilities.map((r) => `- ${r}`)] : [])].join('\n'),
  };

  // Tags in first-use order; the service's own tag describes the service.
  const tags: Obj[] = [];
  for (const op of service.operations) {
    for (const t of op.tags) {
      if (tags.some((x) => x.name === t)) continue;
      tags.push({ name: t, description: t === service.names.kebab ? service.description : `Operations on ${t}.` });
    }
  }

  // Paths in first-appearance order, methods in plan order within a path.
  const paths: Obj = {};
  for (const op of service.operations) {
    const url = `${service.basePath}${op.path === '/' && service.basePath ? '' : op.path}` || '/';
    const item = (paths[url] ??= {}) as Obj;
    item[op.method] = operationObject(op, models, names);
  }

  const usesPages = pages.size > 0;
  const usesIdempotency = service.operations.some((o) => o.idempotencyKey);
  const errorStatuses = [...new Set(service.operations.flatMap((o) => o.errors))].sort((a, b) => a - b);

  const schemas: Obj = {};
  for (const m of service.models) schemas[m.name] = modelSchema(m, models);
  for (const [model, page] of pages) {
    schemas[page] = {
      type: 'object',
      description: `One page of ${model} items. Pass nextCursor as \`cursor\` to read the next page; null on the last page.`,
      required: ['items', 'nextCursor'],
      properties: { items: { type: 'array', items: schemaRef(model) }, nextCursor: { type: ['string', 'null'] } },
    };
  }
  if (errorStatuses.length) {
    schemas[names.fieldError] = {
      type: 'object',
      description: 'One invalid field of the request.',
      required: ['field', 'message'],
      properties: {
        field: { type: 'string', description: 'Location of the field, e.g. body.email or query.limit.' },
        message: { type: 'string' },
      },
    };
    schemas[names.problem] = {
      type: 'object',
      description: 'Problem details for HTTP APIs (RFC 9457).',
      required: ['type', 'title', 'status'],
      properties: {
        type: { type: 'string', format: 'uri-reference', description: 'Identifies the problem type.', default: 'about:blank' },
        title: { type: 'string', description: 'Short summary of the problem type.' },
        status: { type: 'integer', minimum: 100, maximum: 599, description: 'HTTP status code.' },
        detail: { type: 'string', description: 'Explanation specific to this occurrence.' },
        instance: { type: 'string', format: 'uri-reference', description: 'Identifies this occurrence.' },
        errors: { type: 'array', description: 'Invalid fields, for validation errors.', items: schemaRef(names.fieldError) },
      },
    };
  }

  const components: Obj = {};
  if (Object.keys(schemas).length) components.schemas = schemas;
  const parameters: Obj = {};
  if (usesPages) {
    parameters.Limit = {
      name: 'limit',
      in: 'query',
      description: 'Maximum number of items in the page.',
      schema: { type: 'integer', minimum: 1, maximum: DEFAULTS.pageSize.max, default: DEFAULTS.pageSize.default },
    };
    parameters.Cursor = { name: 'cursor', in: 'query', description: 'nextCursor of the previous page; omit for the first page.', schema: { type: 'string', maxLength: 500 } };
  }
  if (usesIdempotency) {
    parameters.IdempotencyKey = {
      name: 'Idempotency-Key',
      in: 'header',
      description: 'Client-chosen key: a retried request with the same key is applied once.',
      schema: { type: 'string', minLength: 1, maxLength: 255 },
    };
  }
  if (Object.keys(parameters).length) components.parameters = parameters;
  if (errorStatuses.length) {
    components.responses = Object.fromEntries(
      errorStatuses.map((status) => [
        errorResponseName(status),
        { description: statusPhrase(status), content: { 'application/problem+json': { schema: schemaRef(names.problem) } } },
      ]),
    );
  }
  if (service.usesJwt) {
    components.securitySchemes = {
      bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: `JWT issued by ${plan.auth.issuer} for audience ${plan.auth.audience}.` },
    };
  }

  const root: Obj = {
    openapi: '3.1.0',
    info,
    servers: [{ url: `http://localhost:${service.port}`, description: 'Local development (npm start); paths include the base path' }],
  };
  if (tags.length) root.tags = tags;
  root.paths = paths;
  if (Object.keys(components).length) root.components = components;

  const doc = new Document(root, { aliasDuplicateObjects: false });
  // No folding: long descriptions stay on one line (diffs stay small); multi-line text as literal blocks.
  const text = doc.toString({ lineWidth: 0, blockQuote: 'literal' });
  remember(text, root);
  return text;
}

/**
 * Documents specFromPlan rendered in this process, by their exact text. The pipeline
 * renders a spec and reads it straight back (readServiceApi); parsing YAML is most of
 * that cost (about 8 ms per service), and for text we just rendered the result is known.
 * Keyed by the whole text, so an edited spec never matches. Bounded, oldest out first.
 */
const rendered = new Map<string, Obj>();
const MAX_REMEMBERED = 1000;

function remember(text: string, document: Obj): void {
  rendered.delete(text);
  rendered.set(text, document);
  if (rendered.size > MAX_REMEMBERED) rendered.delete(rendered.keys().next().value!);
}

/** A copy of the document specFromPlan rendered as exactly this text, if it did. */
export function renderedDocument(text: string): Obj | undefined {
  const document = rendered.get(text);
  return document && structuredClone(document);
}
