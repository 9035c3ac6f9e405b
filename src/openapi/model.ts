/**
 * What the service generators need to know about a service's API, read from its
 * openapi.yaml (3.0 or 3.1, JSON or YAML). After creation the spec on disk is the source
 * of truth for the API (DESIGN.md §3), so generators read this model, never plan
 * operations directly.
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
  /** OpenAPI path template, e.g. `/pets/{petId}` (no base path). */
  path: string;
  /** Fastify route URL including the service base path, e.g. `/v1/pets/:petId`. */
  url: string;
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
  /** Media types the request body accepts (first is preferred). Empty when no body. */
  bodyContentTypes: string[];
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
