/**
 * OpenAPI Schema Objects (3.0 and 3.1) -> JSON Schema that Fastify 5's Ajv (draft-07,
 * `strict: false`, ajv-formats) compiles without errors.
 *
 * What changes, and why:
 * - `$ref: '#/components/schemas/X'` -> `openapi-components#/definitions/X`: a reference
 *   into the one shared schema the server registers with `app.addSchema`, so recursive
 *   schemas stay references and are compiled once.
 * - Other local `$ref`s are resolved and inlined (guarded against cycles); external
 *   `$ref`s cannot be followed offline and become `{}` with a warning.
 * - 3.0 `nullable: true` -> `type: [T, 'null']` (and `null` added to `enum`), or
 *   `anyOf: [schema, {type: 'null'}]` when there is no `type` (allOf, $ref...).
 * - 3.0 boolean `exclusiveMinimum/Maximum` -> draft-07 numbers; 3.1 `prefixItems` ->
 *   `items: [...]`; `dependentRequired/Schemas` -> `dependencies`.
 * - `format`s that Ajv would reject or that are annotations in OpenAPI (int32, int64,
 *   float, double, binary, password, and any unknown one) are dropped.
 * - `required` loses readOnly properties: these schemas validate requests, and OpenAPI
 *   requires a readOnly property in responses only.
 * - Annotations Ajv does not know (`example`, `examples`, `discriminator`, `xml`,
 *   `externalDocs`, `deprecated`, `x-*`, ...) are dropped; so is every keyword with a
 *   value that would fail Ajv's meta-schema (a `required: true`, an empty `enum`, a
 *   `pattern` that is not a valid unicode RegExp): those become warnings, never a crash.
 */
import { COMPONENTS_SCHEMA_ID, type JsonSchema } from './model.js';

type Key = string | number;
type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Nesting deeper than this is hostile or broken; the subschema is replaced by `{}` with a warning. */
export const MAX_SCHEMA_DEPTH = 64;

/** Formats ajv-formats validates for strings and that mean the same in OpenAPI. Everything else is an annotation here. */
const VALIDATED_FORMATS = new Set([
  'date', 'time', 'date-time', 'duration', 'uri', 'uri-reference', 'uri-template', 'email', 'hostname', 'ipv4', 'ipv6', 'uuid',
  'json-pointer', 'relative-json-pointer', 'regex', 'byte',
]);
const JSON_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'array', 'object', 'null']);
const SUBSCHEMA = ['not', 'additionalProperties', 'additionalItems', 'propertyNames', 'contains', 'if', 'then', 'else'] as const;
const SUBSCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf'] as const;
const SUBSCHEMA_MAPS = ['properties', 'patternProperties'] as const;
const NUMBERS = ['multipleOf', 'maximum', 'minimum'] as const;
const COUNTS = ['maxLength', 'minLength', 'maxItems', 'minItems', 'maxProperties', 'minProperties'] as const;
const STRINGS = ['title', 'description'] as const;
const BOOLEANS = ['uniqueItems', 'readOnly', 'writeOnly'] as const;

export interface SchemaContext {
  /** The whole parsed document, for resolving local `$ref`s. */
  document: Obj;
  /** Names under components/schemas (references to these stay references). */
  componentNames: ReadonlySet<string>;
  warn(path: Key[], message: string): void;
}

/** `#/a/b~1c` -> ['a', 'b/c']; null when not a local JSON pointer. */
export function parseLocalRef(ref: string): string[] | null {
  if (!ref.startsWith('#')) return null;
  const fragment = ref.slice(1);
  if (fragment === '') return [];
  if (!fragment.startsWith('/')) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(fragment);
  } catch {
    return null;
  }
  return decoded
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function resolvePointer(document: unknown, tokens: readonly string[]): unknown {
  let node: unknown = document;
  for (const t of tokens) {
    if (Array.isArray(node) && /^\d+$/.test(t)) node = node[Number(t)];
    else if (isObj(node) && Object.prototype.hasOwnProperty.call(node, t)) node = node[t];
    else return undefined;
  }
  return node;
}

const escapeToken = (t: string) => t.replace(/~/g, '~0').replace(/\//g, '~1');

/** The reference a converted schema uses for components/schemas/<name>. */
export function componentRef(name: string): string {
  return `${COMPONENTS_SCHEMA_ID}#/definitions/${encodeURIComponent(escapeToken(name))}`;
}

function validPattern(p: unknown): p is string {
  if (typeof p !== 'string') return false;
  try {
    // Ajv compiles patterns with the unicode flag by default (`unicodeRegExp: true`).
    new RegExp(p, 'u');
    return true;
  } catch {
    return false;
  }
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

class Converter {
  /** Local refs being inlined, to cut cycles that do not go through components/schemas. */
  private readonly inlining: string[] = [];

  constructor(private readonly ctx: SchemaContext) {}

  convert(schema: unknown, path: Key[], depth: number): JsonSchema {
    if (schema === true || schema === undefined) return {};
    if (schema === false) return { not: {} };
    if (!isObj(schema)) {
      this.ctx.warn(path, 'schema is not an object; accepting any value');
      return {};
    }
    if (depth > MAX_SCHEMA_DEPTH) {
      this.ctx.warn(path, `schema nested deeper than ${MAX_SCHEMA_DEPTH} levels; accepting any value below this point`);
      return {};
    }
    if (typeof schema.$ref === 'string') return this.ref(schema, path, depth);

    const out: Obj = {};
    let types: string[] | undefined;
    if (schema.type !== undefined) {
      const raw = Array.isArray(schema.type) ? schema.type : [schema.type];
      types = [...new Set(raw.filter((t): t is string => typeof t === 'string' && JSON_TYPES.has(t)))];
      if (types.length !== raw.length) this.ctx.warn([...path, 'type'], `unknown type ${JSON.stringify(schema.type)} ignored`);
      if (!types.length) types = undefined;
    }
    if (types) out.type = types.length === 1 ? types[0] : types;
    for (const k of STRINGS) if (typeof schema[k] === 'string') out[k] = schema[k];
    if (schema.default !== undefined) out.default = schema.default;
    if (schema.const !== undefined) out.const = schema.const;
    if (Array.isArray(schema.enum)) {
      // Ajv's meta-schema wants distinct enum values; a repeated value adds nothing.
      if (schema.enum.length) out.enum = uniqueValues(schema.enum);
      else this.ctx.warn([...path, 'enum'], 'empty enum ignored');
    }
    for (const k of NUMBERS) if (finite(schema[k]) && (k !== 'multipleOf' || (schema[k] as number) > 0)) out[k] = schema[k];
    for (const k of COUNTS) if (finite(schema[k]) && Number.isInteger(schema[k]) && (schema[k] as number) >= 0) out[k] = schema[k];
    for (const k of BOOLEANS) if (typeof schema[k] === 'boolean') out[k] = schema[k];
    // 3.0: booleans modifying minimum/maximum; 3.1 / draft-07: numbers.
    for (const [ex, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
      const v = schema[ex];
      if (finite(v)) out[ex] = v;
      else if (v === true && finite(out[bound])) {
        out[ex] = out[bound];
        delete out[bound];
      }
    }
    if (schema.pattern !== undefined) {
      if (validPattern(schema.pattern)) out.pattern = schema.pattern;
      else this.ctx.warn([...path, 'pattern'], 'pattern is not a valid unicode regular expression; ignored');
    }
    if (typeof schema.format === 'string' && VALIDATED_FORMATS.has(schema.format)) out.format = schema.format;
    if (Array.isArray(schema.required)) {
      // These schemas validate requests only. OpenAPI: a required readOnly property is
      // required in responses only, so a request without it must pass.
      const props = isObj(schema.properties) ? schema.properties : {};
      const readOnly = (name: string) => {
        const p = props[name];
        return isObj(p) && p.readOnly === true;
      };
      const req = [...new Set(schema.required.filter((r): r is string => typeof r === 'string' && !readOnly(r)))];
      if (req.length) out.required = req;
    }

    for (const k of SUBSCHEMA) {
      const v = schema[k];
      if (v === undefined) continue;
      if (typeof v === 'boolean') out[k] = v;
      else out[k] = this.convert(v, [...path, k], depth + 1);
    }
    for (const k of SUBSCHEMA_LISTS) {
      const v = schema[k];
      if (Array.isArray(v) && v.length) out[k] = v.map((s, i) => this.convert(s, [...path, k, i], depth + 1));
    }
    for (const k of SUBSCHEMA_MAPS) {
      const v = schema[k];
      if (!isObj(v)) continue;
      const entries = Object.entries(v).filter(([name]) => k !== 'patternProperties' || validPattern(name));
      if (k === 'patternProperties' && entries.length !== Object.keys(v).length) this.ctx.warn([...path, k], 'invalid regular expression keys ignored');
      // fromEntries defines own properties, so a property named `__proto__` stays data.
      out[k] = Object.fromEntries(entries.map(([name, s]) => [name, this.convert(s, [...path, k, name], depth + 1)]));
    }
    // items: a schema; 3.1 prefixItems -> draft-07 tuple form.
    // Tuple forms need at least one item in draft-07.
    if (Array.isArray(schema.prefixItems) && schema.prefixItems.length) {
      out.items = schema.prefixItems.map((s, i) => this.convert(s, [...path, 'prefixItems', i], depth + 1));
      if (schema.items !== undefined) out.additionalItems = typeof schema.items === 'boolean' ? schema.items : this.convert(schema.items, [...path, 'items'], depth + 1);
    } else if (Array.isArray(schema.items)) {
      if (schema.items.length) out.items = schema.items.map((s, i) => this.convert(s, [...path, 'items', i], depth + 1));
    } else if (schema.items !== undefined && !Array.isArray(schema.prefixItems)) {
      out.items = typeof schema.items === 'boolean' ? schema.items : this.convert(schema.items, [...path, 'items'], depth + 1);
    }
    const deps: Obj = {};
    const names = (v: unknown[]) => [...new Set(v.filter((x): x is string => typeof x === 'string'))];
    if (isObj(schema.dependentRequired)) for (const [k, v] of Object.entries(schema.dependentRequired)) if (Array.isArray(v)) deps[k] = names(v);
    if (isObj(schema.dependentSchemas)) for (const [k, v] of Object.entries(schema.dependentSchemas)) deps[k] = this.convert(v, [...path, 'dependentSchemas', k], depth + 1);
    if (isObj(schema.dependencies))
      for (const [k, v] of Object.entries(schema.dependencies)) deps[k] = Array.isArray(v) ? names(v) : this.convert(v, [...path, 'dependencies', k], depth + 1);
    if (Object.keys(deps).length) out.dependencies = deps;

    return schema.nullable === true ? nullable(out) : out;
  }

  private ref(schema: Obj, path: Key[], depth: number): JsonSchema {
    const ref = schema.$ref as string;
    const tokens = parseLocalRef(ref);
    let out: JsonSchema;
    if (tokens === null) {
      this.ctx.warn([...path, '$ref'], `external reference ${JSON.stringify(ref)} cannot be followed; accepting any value`);
      out = {};
    } else if (tokens.length === 3 && tokens[0] === 'components' && tokens[1] === 'schemas' && this.ctx.componentNames.has(tokens[2]!)) {
      out = { $ref: componentRef(tokens[2]!) };
    } else {
      const target = resolvePointer(this.ctx.document, tokens);
      if (target === undefined) {
        this.ctx.warn([...path, '$ref'], `reference ${JSON.stringify(ref)} does not resolve; accepting any value`);
        out = {};
      } else if (this.inlining.includes(ref) || this.inlining.length > MAX_SCHEMA_DEPTH) {
        this.ctx.warn([...path, '$ref'], `circular reference ${JSON.stringify(ref)} outside components/schemas; accepting any value at the cycle`);
        out = {};
      } else {
        this.inlining.push(ref);
        out = this.convert(target, [...path, '$ref'], depth + 1);
        this.inlining.pop();
      }
    }
    // 3.1 allows keywords beside $ref; 3.0 ignores them, but a `nullable` there is commonly meant.
    const siblings = Object.keys(schema).filter((k) => k !== '$ref' && k !== 'nullable' && k !== 'description' && k !== 'summary' && !k.startsWith('x-'));
    if (siblings.length) {
      const { $ref: _r, nullable: _n, ...rest } = schema;
      const extra = this.convert(rest, path, depth + 1);
      if (Object.keys(extra).length) out = { allOf: [out, extra] };
    }
    return schema.nullable === true ? nullable(out) : out;
  }
}

/** Canonical JSON (object keys sorted), so equal values compare equal as Ajv compares them. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isObj(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'undefined';
}

function uniqueValues(values: unknown[]): unknown[] {
  const seen = new Set<string>();
  return values.filter((v) => {
    const key = canonical(v);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Adds null to what a schema accepts. */
function nullable(s: JsonSchema): JsonSchema {
  const t = s.type;
  if (typeof t === 'string' || Array.isArray(t)) {
    const types = Array.isArray(t) ? (t as string[]) : [t];
    const out: JsonSchema = { ...s, type: types.includes('null') ? types : [...types, 'null'] };
    if (Array.isArray(s.enum) && !s.enum.includes(null)) out.enum = [...s.enum, null];
    return out;
  }
  if (Object.keys(s).length === 0) return s;
  return { anyOf: [s, { type: 'null' }] };
}

/** Converts one schema. Reuse the returned function for many schemas of the same document. */
export function schemaConverter(ctx: SchemaContext): (schema: unknown, path: Key[]) => JsonSchema {
  const c = new Converter(ctx);
  return (schema, path) => c.convert(schema, path, 0);
}

/** Follows local `$ref`s (bounded) to the schema they name, for inspecting its shape. */
export function derefSchema(document: Obj, schema: unknown): unknown {
  let s = schema;
  for (let i = 0; i < 20 && isObj(s) && typeof s.$ref === 'string'; i++) {
    const tokens = parseLocalRef(s.$ref);
    s = tokens ? resolvePointer(document, tokens) : undefined;
  }
  return s;
}
