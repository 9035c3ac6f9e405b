/**
 * Sample requests that satisfy each operation's validation schema, computed at generation
 * time from the same schemas Fastify validates with, so the service's own tests can call
 * every route and expect it to reach the handler. Deterministic: fixed values per type and
 * format, only required properties, the first enum value.
 */
import type { ApiOperation, JsonSchema, ServiceApi } from '../../src/openapi/model.js';
import { COMPONENTS_SCHEMA_ID } from '../../src/openapi/model.js';

const FORMAT_SAMPLES: Record<string, string> = {
  uuid: '00000000-0000-4000-8000-000000000001',
  'date-time': '2024-01-01T00:00:00Z',
  date: '2024-01-01',
  time: '00:00:00Z',
  email: 'user@example.com',
  uri: 'https://example.com/',
  url: 'https://example.com/',
  hostname: 'example.com',
  ipv4: '127.0.0.1',
  ipv6: '::1',
  byte: 'AA==',
};

function pointer(root: unknown, ptr: string): unknown {
  if (ptr === '' || ptr === '/') return root;
  return ptr
    .replace(/^\//, '')
    .split('/')
    .map((s) => decodeURIComponent(s).replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), root);
}

export class Sampler {
  constructor(private readonly api: ServiceApi) {}

  private resolve(schema: JsonSchema): JsonSchema {
    let s = schema;
    for (let i = 0; i < 20 && typeof s.$ref === 'string'; i++) {
      const ref = s.$ref as string;
      const [base, frag = ''] = ref.split('#');
      const root = base === COMPONENTS_SCHEMA_ID ? this.api.components : this.api.document;
      const next = pointer(root, frag);
      if (!next || typeof next !== 'object') return {};
      s = next as JsonSchema;
    }
    return s;
  }

  value(schema: JsonSchema | undefined, depth = 0): unknown {
    if (!schema || depth > 12) return null;
    const s = this.resolve(schema);
    if ('const' in s) return s.const;
    if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum.find((v) => v !== null) ?? s.enum[0];
    if ('default' in s) return s.default;
    for (const key of ['allOf', 'oneOf', 'anyOf'] as const) {
      const list = s[key];
      if (Array.isArray(list) && list.length > 0) {
        if (key === 'allOf') {
          const merged: Record<string, unknown> = {};
          for (const part of list) Object.assign(merged, this.value(part as JsonSchema, depth + 1) as object);
          return merged;
        }
        const first = (list as JsonSchema[]).find((p) => this.resolve(p).type !== 'null') ?? list[0];
        return this.value(first as JsonSchema, depth + 1);
      }
    }
    const type = Array.isArray(s.type) ? (s.type as string[]).find((t) => t !== 'null') : (s.type as string | undefined);
    switch (type ?? (s.properties ? 'object' : s.items ? 'array' : 'string')) {
      case 'object': {
        const out: Record<string, unknown> = {};
        const props = (s.properties ?? {}) as Record<string, JsonSchema>;
        for (const name of (s.required as string[] | undefined) ?? []) out[name] = this.value(props[name] ?? {}, depth + 1);
        return out;
      }
      case 'array': {
        const n = Math.max(1, Number(s.minItems ?? 1));
        return Array.from({ length: n }, () => this.value(s.items as JsonSchema, depth + 1));
      }
      case 'integer':
      case 'number': {
        const min = typeof s.minimum === 'number' ? s.minimum : typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum + 1 : undefined;
        const max = typeof s.maximum === 'number' ? s.maximum : undefined;
        const v = min ?? (max !== undefined ? Math.min(1, max) : 1);
        return type === 'integer' ? Math.ceil(v) : v;
      }
      case 'boolean':
        return true;
      case 'null':
        return null;
      default: {
        const format = typeof s.format === 'string' ? FORMAT_SAMPLES[s.format] : undefined;
        if (format) return format;
        const min = Number(s.minLength ?? 1);
        const max = Number(s.maxLength ?? Math.max(min, 6));
        return 'sample'.padEnd(min, 'x').slice(0, Math.max(min, Math.min(max, 6)));
      }
    }
  }

  /** Required properties of an object schema (after $ref). */
  required(schema: JsonSchema | undefined): string[] {
    if (!schema) return [];
    return ((this.resolve(schema).required as string[] | undefined) ?? []).slice();
  }
}

export interface SampleRequest {
  operation: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  /** Required body fields, for the schema-breaking request. */
  requiredBodyFields: string[];
  scopes: string[] | null;
}

export function sampleRequest(api: ServiceApi, op: ApiOperation): SampleRequest {
  const sampler = new Sampler(api);
  const params = (sampler.value(op.schema.params) ?? {}) as Record<string, unknown>;
  const url = op.url.replace(/:([A-Za-z0-9_]+)(\([^)]*\))?/g, (_, name: string) => encodeURIComponent(String(params[name] ?? 'sample')));
  const query = (op.schema.querystring ? sampler.value(op.schema.querystring) : {}) as Record<string, unknown>;
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) for (const item of Array.isArray(v) ? v : [v]) search.append(k, String(item));
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries((op.schema.headers ? sampler.value(op.schema.headers) : {}) as Record<string, unknown>)) headers[k.toLowerCase()] = String(v);
  let body: unknown;
  if (op.schema.body) {
    body = sampler.value(op.schema.body);
    headers['content-type'] = op.bodyContentTypes[0] ?? 'application/json';
  }
  return {
    operation: op.handlerName,
    method: op.method.toUpperCase(),
    url: search.size > 0 ? `${url}?${search.toString()}` : url,
    headers,
    ...(body === undefined ? {} : { body }),
    requiredBodyFields: sampler.required(op.schema.body),
    scopes: op.security ? op.security.scopes : null,
  };
}
