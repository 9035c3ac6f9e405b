/**
 * The plan schema as the model sees it ("wire" form), and the way back.
 *
 * Structured outputs compile the JSON Schema into a grammar and accept only part of JSON
 * Schema (DESIGN.md §5, and the Claude structured-outputs documentation):
 * - `pattern`, `minLength`/`maxLength`, `minimum`/`maximum`, `maxItems`, `minItems` above 1
 *   are not enforced; the SDK's transform moves them into descriptions. We check them after,
 *   with the real zod schema, and repair.
 * - every object must be closed (`additionalProperties: false`), no recursion;
 * - schema complexity is capped: few optional properties (24 across the request is the
 *   documented limit), few unions, and a grammar that is not "too large".
 *
 * The plan has about a hundred optional properties. The wire copy makes almost all of them
 * required with an explicit "nothing" value ("" for text, [] for lists, "" added to enums,
 * 0 for counts and durations that cannot be 0), keeps a handful optional, and leaves out
 * what the tool fills itself (`$schema`, `provenance`). `fromWire` turns an answer back
 * into a plan by removing those "nothing" values; `toWire` does the opposite so a plan can
 * be shown to the model (refine, repair) in the same shape it answers in.
 */
import { planJsonSchema } from '../plan/schema.js';

type Json = Record<string, unknown>;

/** Keys the model never writes: the tool sets them. */
const DROPPED = new Set(['$schema', 'provenance']);

/**
 * Optional properties that stay optional on the wire (counted against the limit): objects
 * whose absence means something, and numbers whose 0 is a real value.
 */
const KEEP_OPTIONAL = new Set([
  'services[].datastore',
  'services[].resilience',
  'services[].scaling',
  'broker',
  'observability.traceSampleRatio',
  'services[].models[].fields[].minimum',
  'services[].models[].fields[].maximum',
  'services[].operations[].query[].minimum',
  'services[].operations[].query[].maximum',
  'events[].payload[].minimum',
  'events[].payload[].maximum',
]);

/** Documented cap on optional properties in one request's strict schemas. */
export const MAX_OPTIONAL_PROPERTIES = 24;

const SAFE_INT_BOUND = Number.MAX_SAFE_INTEGER;

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

function typeOf(s: Json): string | undefined {
  return typeof s.type === 'string' ? s.type : undefined;
}

function note(s: Json, text: string) {
  s.description = s.description ? `${String(s.description)}; ${text}` : text;
}

/** zod writes ±MAX_SAFE_INTEGER bounds for every .int(); they say nothing to a model. */
function dropSafeIntBounds(s: Json) {
  if (s.minimum === -SAFE_INT_BOUND) delete s.minimum;
  if (s.maximum === SAFE_INT_BOUND) delete s.maximum;
}

/** Builds the wire schema: walks the plan's JSON Schema and applies the rules above. */
export function wireJsonSchema(): Json {
  const root = clone(planJsonSchema());
  delete root.$schema;
  transform(root, '');
  root.description =
    'An architecture plan. Every key is required: write "" for text you have nothing for, [] for an empty list, and 0 for a number marked "0 when not set".';
  return root;
}

function transform(node: Json, at: string) {
  const type = typeOf(node);
  if (type === 'integer' || type === 'number') dropSafeIntBounds(node);
  if (type === 'array' && node.items && typeof node.items === 'object') transform(node.items as Json, `${at}[]`);
  if (type !== 'object' || !node.properties) return;

  const props = node.properties as Record<string, Json>;
  const required = new Set<string>((node.required as string[] | undefined) ?? []);
  for (const key of Object.keys(props)) {
    const path = at ? `${at}.${key}` : key;
    if (DROPPED.has(key) && at === '') {
      delete props[key];
      required.delete(key);
      continue;
    }
    const prop = props[key]!;
    if (!required.has(key) && !KEEP_OPTIONAL.has(path)) {
      makeRequired(prop, path);
      required.add(key);
    }
    transform(prop, path);
  }
  // Keep the plan's key order in `required` so the wire schema is deterministic.
  node.required = Object.keys(props).filter((k) => required.has(k));
  node.additionalProperties = false;
}

function makeRequired(prop: Json, path: string) {
  const type = typeOf(prop);
  if (type === 'array') return note(prop, '[] when none');
  if (type === 'boolean') return;
  if (type === 'object') return;
  if (type === 'string') {
    if (Array.isArray(prop.enum)) {
      prop.enum = ['', ...(prop.enum as string[])];
      return note(prop, '"" when not set');
    }
    return note(prop, '"" when none');
  }
  if (type === 'integer' || type === 'number') {
    // Only where 0 is outside the plan's range (or means "the default"), so 0 is unambiguous.
    const min = typeof prop.minimum === 'number' ? prop.minimum : undefined;
    if (min !== undefined && min >= 0) return note(prop, '0 when not set (the default applies)');
  }
  throw new Error(`wire schema: no rule for the optional property ${path}`);
}

/** Counts optional properties and unions, the two things the API limits by number. */
export function wireSchemaStats(schema: Json): { optional: string[]; unions: string[]; objects: number } {
  const optional: string[] = [];
  const unions: string[] = [];
  let objects = 0;
  const walk = (n: unknown, at: string) => {
    if (!n || typeof n !== 'object') return;
    const s = n as Json;
    if (Array.isArray(s.anyOf) || Array.isArray(s.oneOf) || Array.isArray(s.type)) unions.push(at || '$');
    if (s.type === 'object' && s.properties) {
      objects++;
      const req = new Set((s.required as string[] | undefined) ?? []);
      for (const [k, v] of Object.entries(s.properties as Json)) {
        const p = at ? `${at}.${k}` : k;
        if (!req.has(k)) optional.push(p);
        walk(v, p);
      }
    }
    if (s.items) walk(s.items, `${at}[]`);
    for (const key of ['anyOf', 'oneOf', 'allOf'] as const) if (Array.isArray(s[key])) (s[key] as unknown[]).forEach((v) => walk(v, at));
  };
  walk(schema, '');
  return { optional, unions, objects };
}

/** Booleans whose plan default is true; every other optional boolean defaults to false. */
const TRUE_BY_DEFAULT = new Set(['services[].dependsOn[].critical', 'observability.metrics']);

/**
 * Answer -> plan: removes the "nothing" values of properties the plan has as optional, and
 * booleans equal to their default, so a saved plan says only what was decided. Anything
 * else (unknown keys, wrong types) is left for validation to report by path.
 */
export function fromWire(answer: unknown): unknown {
  return strip(answer, planJsonSchema(), '');
}

function strip(value: unknown, schema: Json | undefined, at: string): unknown {
  if (!schema) return value;
  if (Array.isArray(value)) return value.map((v) => strip(v, schema.items as Json | undefined, `${at}[]`));
  if (!value || typeof value !== 'object' || typeOf(schema) !== 'object') return value;
  const props = (schema.properties as Record<string, Json> | undefined) ?? {};
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const out: Json = {};
  for (const [k, v] of Object.entries(value as Json)) {
    const path = at ? `${at}.${k}` : k;
    const ps = props[k];
    const next = strip(v, ps, path);
    if (ps && !required.has(k) && isNothing(next, path)) continue;
    out[k] = next;
  }
  return out;
}

function isNothing(v: unknown, path: string): boolean {
  if (v === null || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'boolean') return v === TRUE_BY_DEFAULT.has(path);
  // 0 is "not set" only where the wire schema says so; a kept-optional number keeps its 0.
  if (typeof v === 'number') return v === 0 && !KEEP_OPTIONAL.has(path);
  if (typeof v === 'object') return Object.keys(v as Json).length === 0;
  return false;
}

/** Plan -> wire: fills every required-on-the-wire property with its "nothing" value. */
export function toWire(plan: unknown): unknown {
  return fill(plan, wireJsonSchema(), '');
}

function fill(value: unknown, schema: Json | undefined, at: string): unknown {
  if (!schema) return value;
  if (Array.isArray(value)) return value.map((v) => fill(v, schema.items as Json | undefined, `${at}[]`));
  if (!value || typeof value !== 'object' || typeOf(schema) !== 'object') return value;
  const props = (schema.properties as Record<string, Json> | undefined) ?? {};
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const src = value as Json;
  const out: Json = {};
  // Wire key order (the schema's), so the model reads plans in the order it writes them.
  for (const k of Object.keys(props)) {
    const path = at ? `${at}.${k}` : k;
    if (k in src) out[k] = fill(src[k], props[k], path);
    else if (required.has(k)) out[k] = nothingFor(props[k]!, path);
  }
  return out;
}

function nothingFor(s: Json, path: string): unknown {
  switch (typeOf(s)) {
    case 'array':
      return [];
    case 'string':
      return '';
    case 'boolean':
      return TRUE_BY_DEFAULT.has(path);
    case 'integer':
    case 'number':
      return 0;
    default:
      return fill({}, s, path);
  }
}
