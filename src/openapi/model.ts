/**
 * What the service generators need to know about a service's API, read from its
 * openapi.yaml (3.0 or 3.1, JSON or YAML). After creation the spec on disk is the source
 * of truth for the API (DESIGN.md §3), so generators read this model, never plan
 * operations directly.
 *
 * How a generated server must use it (src/openapi/read.ts builds it for exactly this):
 * - Fastify 5 with `ajv: { customOptions: { strict: false } }` (SERVER_AJV_OPTIONS) and
 *   Fastify's own defaults otherwise (coerceTypes 'array', useDefaults, removeAdditional,
 *   ajv-formats registered): every schema here compiles under these options.
 * - `app.addSchema(api.components)` once, before the routes: `$ref`s in route schemas
 *   point into it (`openapi-components#/definitions/<Name>`), so recursive schemas work.
 * - One route per operation: `{ method, url, schema: op.schema }`, in `operations` order
 *   (an explicit HEAD comes before its path's GET, so Fastify's automatic HEAD does not clash).
 * - Request bodies: JSON (application/json, *+json) and application/x-www-form-urlencoded
 *   bodies are validated against their schema; register a parser for urlencoded bodies
 *   (e.g. @fastify/formbody). Other media types (multipart/form-data, octet-stream, XML,
 *   text) are accepted but not validated: register a parser that accepts them (e.g.
 *   `addContentTypeParser('*', { parseAs: 'buffer' }, ...)` or @fastify/multipart), and a
 *   warning says so. `schema.body` is a plain schema when the body is required and has a
 *   single validated media type; otherwise it is Fastify's per-media-type form
 *   `{ content: { '<type>': { schema } } }`, which Fastify skips when no body is sent, so
 *   check `bodyRequired` in the handler wiring.
 * - Path parameters whose spec name is not a plain identifier are renamed in the route
 *   (`pathParams[].routeName`); map them back with `pathParams` before calling handlers.
 */
import type { Problem } from '../errors.js';

export type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'patch' | 'head' | 'options' | 'trace';

/** A JSON Schema as Fastify's Ajv (draft-07, strict off) accepts it. */
export type JsonSchema = Record<string, unknown>;

export interface ApiOperation {
  /** Unique, valid TypeScript identifier (camelCase) derived from operationId, or from method + path when absent. */
  handlerName: string;
  /** operationId exactly as in the spec, if any. */
  operationId?: string;
  method: HttpMethod;
  /** OpenAPI path template exactly as in the spec, e.g. `/v1/pets/{petId}` (documents rendered from a plan carry the base path in every path). */
  path: string;
  /** Fastify (find-my-way) route URL of the same path, e.g. `/v1/pets/:petId`; `/Calls/{Sid}.json` -> `/Calls/:Sid.json`. */
  url: string;
  /** Path parameters in path order: spec name and the name in the route / `request.params`. */
  pathParams: { name: string; routeName: string }[];
  /** Handler file (kebab-case, no extension) under src/handlers/ this operation lives in. */
  group: string;
  summary?: string;
  tags: string[];
  deprecated: boolean;
  /** Status the stub documents for success (first 2xx; 200 when none). */
  successStatus: number;
  /** Media type of the success body, undefined for none. */
  successContentType?: string;
  /** null: public. Otherwise the bearer/JWT requirement and its scopes (any of the requirement alternatives). */
  security: { schemes: string[]; bearer: boolean; scopes: string[] } | null;
  /** Request validation schemas for Fastify (`$ref`s point into the shared components schema). */
  schema: { params?: JsonSchema; querystring?: JsonSchema; headers?: JsonSchema; body?: JsonSchema };
  /** Media types the request body accepts, in document order. Empty when no body. */
  bodyContentTypes: string[];
  /** requestBody.required: a request without a body must be rejected (Fastify cannot enforce this for `content` body schemas). */
  bodyRequired: boolean;
  /** GET/HEAD/PUT/DELETE/OPTIONS/TRACE: safe to retry. */
  idempotent: boolean;
}

export interface ServiceApi {
  title: string;
  version: string;
  /** '3.0.3', '3.1.0', ... */
  openapi: string;
  operations: ApiOperation[];
  /** Shared schema for `fastify.addSchema`, holding every component schema, referenced as `${COMPONENTS_ID}#/...`. */
  components: JsonSchema;
  /** The parsed document, for openapi-typescript. */
  document: Record<string, unknown>;
  /** What is not supported and how it is handled (reported, never a crash). */
  warnings: Problem[];
}

export const COMPONENTS_SCHEMA_ID = 'openapi-components';

/** Ajv options the generated Fastify server must pass (`Fastify({ ajv: { customOptions: SERVER_AJV_OPTIONS } })`). */
export const SERVER_AJV_OPTIONS = { strict: false } as const;
