/**
 * readServiceApi: any real OpenAPI 3.0.x / 3.1.x document (JSON or YAML) -> ServiceApi,
 * the model the service generators build servers, handlers and clients from.
 *
 * The document is the user's (after creation openapi.yaml is the source of truth), so
 * nothing here trusts it: a document that is not OpenAPI 3, or whose structure cannot be
 * routed (paths that do not start with '/', `..` segments, control characters, more
 * than MAX_OPERATIONS operations), is an InputError listing every problem by JSON path;
 * anything that can be routed but not fully honoured (callbacks, webhooks, cookie
 * parameters, bodies that are not validated, unusable keywords) is a warning with its
 * JSON path. Output is deterministic: operations sorted by route (path with parameter
 * names blanked), then method (HEAD first, see HTTP_METHODS), then path, so a server can
 * register them in this order.
 */
import { parseDocument, type Document } from 'yaml';
import { InputError, jsonPath, type Problem } from '../errors.js';
import { parseDocumentText } from '../plan/load.js';
import type { NormalizedService } from '../plan/normalize.js';
import { renderedDocument } from './from-plan.js';
import { derefSchema, isObj, parseLocalRef, resolvePointer, schemaConverter } from './json-schema.js';
import { COMPONENTS_SCHEMA_ID, type ApiOperation, type HttpMethod, type JsonSchema, type ServiceApi } from './model.js';
import { locateProblems } from './locate.js';
import { groupName, identifierFromRoute, toIdentifier, uniqueNames } from './names.js';
import { pathProblems, routePath, toFastifyUrl } from './route-url.js';

type Obj = Record<string, unknown>;
type Key = string | number;

/**
 * Method order within a path: alphabetical, except HEAD first. Fastify adds a HEAD route
 * for every GET (`exposeHeadRoutes`) and rejects an explicit HEAD registered after it;
 * registered before, the explicit one wins.
 */
export const HTTP_METHODS: readonly HttpMethod[] = ['head', 'delete', 'get', 'options', 'patch', 'post', 'put', 'trace'];
const IDEMPOTENT = new Set<HttpMethod>(['get', 'head', 'put', 'delete', 'options', 'trace']);
/** More operations than this in one service is a hostile or mistaken document, not a service. */
export const MAX_OPERATIONS = 1000;
/** Header parameters OpenAPI says to ignore (3.0.3 / 3.1.0, Parameter Object, `in: header`). */
const IGNORED_HEADERS = new Set(['accept', 'content-type', 'authorization']);
const PATH_ITEM_KEYS = new Set(['$ref', 'summary', 'description', 'servers', 'parameters', ...HTTP_METHODS]);
const FORM = 'application/x-www-form-urlencoded';

/** `application/json; charset=utf-8` -> `application/json` (Fastify matches body schemas on this). */
export function mediaEssence(mediaType: string): string {
  return mediaType.split(';')[0]!.trim().toLowerCase();
}

export function isJsonMediaType(mediaType: string): boolean {
  const m = mediaEssence(mediaType);
  return m === 'application/json' || /^application\/[^/]+\+json$/.test(m);
}

interface Reader {
  doc: Obj;
  warn(path: Key[], message: string): void;
  convert(schema: unknown, path: Key[]): JsonSchema;
  securitySchemes: Obj;
}

/** Follows `$ref` chains between components (parameters, requestBodies, responses, path items); null when unresolvable. */
function deref(r: Reader, value: unknown, path: Key[]): Obj | null {
  let v = value;
  const seen = new Set<string>();
  while (isObj(v) && typeof v.$ref === 'string') {
    const ref = v.$ref;
    const tokens = parseLocalRef(ref);
    if (!tokens) {
      r.warn([...path, '$ref'], `external reference ${JSON.stringify(ref)} cannot be followed; ignored`);
      return null;
    }
    if (seen.has(ref) || seen.size > 20) {
      r.warn([...path, '$ref'], `circular reference ${JSON.stringify(ref)}; ignored`);
      return null;
    }
    seen.add(ref);
    v = resolvePointer(r.doc, tokens);
    if (v === undefined) {
      r.warn([...path, '$ref'], `reference ${JSON.stringify(ref)} does not resolve; ignored`);
      return null;
    }
  }
  return isObj(v) ? v : null;
}

function structuralProblems(doc: unknown): { problem: Problem; keys: Key[] }[] {
  const out: { problem: Problem; keys: Key[] }[] = [];
  const p = (keys: Key[], message: string) => out.push({ problem: { path: jsonPath(keys), message }, keys });
  if (!isObj(doc)) {
    p([], 'an OpenAPI document must be a mapping (object) at the top level');
    return out;
  }
  if (doc.swagger !== undefined) {
    p(['swagger'], 'Swagger / OpenAPI 2.0 is not supported: convert the document to OpenAPI 3 first (for example with `npx swagger2openapi`)');
    return out;
  }
  if (typeof doc.openapi !== 'string' || !/^3\.[01]\.\d+(-[0-9A-Za-z.-]+)?$/.test(doc.openapi)) {
    p(['openapi'], `must be an OpenAPI 3.0.x or 3.1.x version string such as "3.1.0" (got ${JSON.stringify(doc.openapi ?? null)})`);
  }
  if (doc.paths !== undefined && !isObj(doc.paths)) p(['paths'], 'must be a mapping of path templates to path items');
  if (doc.components !== undefined && !isObj(doc.components)) p(['components'], 'must be a mapping');
  if (isObj(doc.components)) {
    for (const k of ['schemas', 'parameters', 'requestBodies', 'responses', 'securitySchemes']) {
      if (doc.components[k] !== undefined && !isObj(doc.components[k])) p(['components', k], 'must be a mapping');
    }
  }
  if (out.length || !isObj(doc.paths)) return out;
  let count = 0;
  for (const [path, item] of Object.entries(doc.paths)) {
    if (path.startsWith('x-')) continue;
    for (const problem of pathProblems(path)) p(['paths', path], `path ${problem}`);
    if (!isObj(item)) {
      p(['paths', path], 'a path item must be a mapping');
      continue;
    }
    for (const m of HTTP_METHODS) {
      if (item[m] === undefined) continue;
      if (!isObj(item[m])) p(['paths', path, m], 'an operation must be a mapping');
      else count++;
    }
  }
  if (count > MAX_OPERATIONS) p(['paths'], `${count} operations: more than ${MAX_OPERATIONS} in one service is not supported; split the API`);
  return out;
}

interface ParamSchemas {
  params?: JsonSchema;
  querystring?: JsonSchema;
  headers?: JsonSchema;
}

function objectSchema(properties: [string, JsonSchema][], required: string[]): JsonSchema | undefined {
  if (!properties.length) return undefined;
  const out: JsonSchema = { type: 'object', properties: Object.fromEntries(properties) };
  if (required.length) out.required = required;
  return out;
}

/** A parameter's schema has the shape of an object (or is not a schema at all). */
function isObjectShaped(r: Reader, schema: unknown): boolean {
  const s = derefSchema(r.doc, schema);
  if (!isObj(s)) return false;
  const t = s.type;
  return t === 'object' || (Array.isArray(t) && t.includes('object')) || (t === undefined && isObj(s.properties));
}

function parameters(
  r: Reader,
  itemParams: unknown,
  opParams: unknown,
  base: Key[],
  op: Key[],
  pathParams: { name: string; routeName: string }[],
): ParamSchemas {
  // Operation-level parameters override path-level ones with the same name and location.
  const merged = new Map<string, { param: Obj; path: Key[] }>();
  for (const [list, at] of [
    [itemParams, [...base, 'parameters']],
    [opParams, [...op, 'parameters']],
  ] as [unknown, Key[]][]) {
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      r.warn(at, 'parameters must be a list; ignored');
      continue;
    }
    list.forEach((raw, i) => {
      const path = [...at, i];
      const param = deref(r, raw, path);
      if (!param) return;
      if (typeof param.name !== 'string' || typeof param.in !== 'string') {
        r.warn(path, 'parameter without a string `name` and `in`; skipped');
        return;
      }
      merged.set(`${param.in}\u0000${param.in === 'header' ? param.name.toLowerCase() : param.name}`, { param, path });
    });
  }

  const pathProps: [string, JsonSchema][] = [];
  const query: [string, JsonSchema][] = [];
  const queryRequired: string[] = [];
  const headers: [string, JsonSchema][] = [];
  const headersRequired: string[] = [];
  const declaredPath = new Set<string>();

  for (const { param, path } of merged.values()) {
    const name = param.name as string;
    let schema: JsonSchema;
    if (param.schema !== undefined) schema = r.convert(param.schema, [...path, 'schema']);
    else {
      schema = {};
      if (param.content !== undefined) r.warn([...path, 'content'], `parameter "${name}" is described with \`content\`; not validated`);
    }
    switch (param.in) {
      case 'path': {
        const route = pathParams.find((p) => p.name === name);
        if (!route) {
          r.warn(path, `path parameter "${name}" does not appear in the path template; skipped`);
          break;
        }
        declaredPath.add(name);
        pathProps.push([route.routeName, schema]);
        break;
      }
      case 'query': {
        const style = typeof param.style === 'string' ? param.style : 'form';
        const unparseable = style !== 'form' || param.explode === false || isObjectShaped(r, param.schema);
        if (unparseable && param.schema !== undefined) {
          r.warn(path, `query parameter "${name}" (style ${style}${param.explode === false ? ', explode false' : ''}${isObjectShaped(r, param.schema) ? ', object' : ''}) is not validated: the default query parser does not decode it`);
          query.push([name, {}]);
        } else query.push([name, schema]);
        if (param.required === true && !unparseable) queryRequired.push(name);
        break;
      }
      case 'header': {
        const lower = name.toLowerCase();
        if (IGNORED_HEADERS.has(lower)) {
          r.warn(path, `header parameter "${name}" is ignored (OpenAPI: Accept, Content-Type and Authorization are described elsewhere)`);
          break;
        }
        headers.push([lower, schema]);
        if (param.required === true) headersRequired.push(lower);
        break;
      }
      case 'cookie':
        r.warn(path, `cookie parameter "${name}" is not validated`);
        break;
      default:
        r.warn([...path, 'in'], `unknown parameter location ${JSON.stringify(param.in)}; skipped`);
    }
  }
  for (const p of pathParams) {
    if (declaredPath.has(p.name)) continue;
    r.warn(op, `path parameter "${p.name}" is not declared; accepted as a string`);
    pathProps.push([p.routeName, { type: 'string' }]);
  }
  // Path properties in path order, so the schema reads like the URL.
  pathProps.sort((a, b) => pathParams.findIndex((p) => p.routeName === a[0]) - pathParams.findIndex((p) => p.routeName === b[0]));
  return {
    params: objectSchema(pathProps, pathProps.map(([n]) => n)),
    querystring: objectSchema(query, queryRequired),
    headers: objectSchema(headers, headersRequired),
  };
}

function requestBody(r: Reader, raw: unknown, at: Key[]): { body?: JsonSchema; types: string[]; required: boolean } {
  if (raw === undefined) return { types: [], required: false };
  const body = deref(r, raw, at);
  if (!body) return { types: [], required: false };
  const required = body.required === true;
  if (!isObj(body.content)) {
    r.warn(at, 'request body without `content`; not validated');
    return { types: [], required };
  }
  const types = Object.keys(body.content);
  const validated: [string, JsonSchema][] = [];
  const skipped: string[] = [];
  for (const type of types) {
    const media = body.content[type];
    const essence = mediaEssence(type);
    if ((isJsonMediaType(type) || essence === FORM) && !validated.some(([t]) => t === essence)) {
      const schema = isObj(media) && media.schema !== undefined ? r.convert(media.schema, [...at, 'content', type, 'schema']) : {};
      validated.push([essence, schema]);
    } else skipped.push(type);
  }
  if (skipped.length) r.warn([...at, 'content'], `request body ${skipped.join(', ')} accepted but not validated (only JSON and ${FORM} bodies are)`);
  if (!validated.length) return { types, required };
  if (required && validated.length === 1 && types.length === 1) return { body: validated[0]![1], types, required };
  return { body: { content: Object.fromEntries(validated.map(([t, schema]) => [t, { schema }])) }, types, required };
}

function security(r: Reader, op: Obj, at: Key[]): ApiOperation['security'] {
  const list = op.security !== undefined ? op.security : r.doc.security;
  if (!Array.isArray(list) || list.length === 0) return null;
  if (list.some((req) => isObj(req) && Object.keys(req).length === 0)) return null;
  const schemes: string[] = [];
  const scopes: string[] = [];
  let bearer = false;
  for (const req of list) {
    if (!isObj(req)) continue;
    for (const [name, s] of Object.entries(req)) {
      if (!schemes.includes(name)) schemes.push(name);
      if (Array.isArray(s)) for (const scope of s) if (typeof scope === 'string' && !scopes.includes(scope)) scopes.push(scope);
      const def = deref(r, r.securitySchemes[name], ['components', 'securitySchemes', name]);
      if (!def) {
        r.warn([...at, 'security'], `security scheme "${name}" is not defined in components.securitySchemes`);
        continue;
      }
      if ((def.type === 'http' && typeof def.scheme === 'string' && def.scheme.toLowerCase() === 'bearer') || def.type === 'oauth2' || def.type === 'openIdConnect') bearer = true;
    }
  }
  return schemes.length ? { schemes, bearer, scopes } : null;
}

function success(r: Reader, op: Obj, at: Key[]): { status: number; contentType?: string } {
  if (!isObj(op.responses)) return { status: 200 };
  const keys = Object.keys(op.responses);
  const codes = keys.filter((k) => /^2\d\d$/.test(k)).sort();
  const key = codes[0] ?? keys.find((k) => k.toUpperCase() === '2XX');
  if (!key) return { status: 200 };
  const response = deref(r, op.responses[key], [...at, 'responses', key]);
  const content = response && isObj(response.content) ? Object.keys(response.content) : [];
  const status = codes[0] ? Number(codes[0]) : 200;
  return { status, contentType: content.find(isJsonMediaType) ?? content[0] };
}

/**
 * The parsed document, and for YAML the `yaml` Document too, kept to locate warnings by
 * line without parsing twice. Same rules and errors as parseDocumentText (src/plan/load.ts),
 * which handles JSON and reports syntax errors.
 */
export interface ParsedSpec {
  value: unknown;
  yaml?: Document;
}

export function parseSpec(text: string, file: string): ParsedSpec {
  const remembered = renderedDocument(text);
  if (remembered) return { value: remembered };
  if (/\.json$/i.test(file) || /^\s*[{[]/.test(text)) return { value: parseDocumentText(text, file) };
  const yaml = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  // On a syntax error, the loader's parse throws the InputError with line and column.
  if (yaml.errors.length) return { value: parseDocumentText(text, file) };
  try {
    return { value: yaml.toJS({ maxAliasCount: 1000 }), yaml };
  } catch (err) {
    // e.g. "Excessive alias count": an alias bomb must not expand into gigabytes.
    throw new InputError(file, [{ path: '', message: `cannot expand YAML: ${(err as Error).message}` }], 'cannot parse');
  }
}

/**
 * Parses and reads a service's OpenAPI document. `given`: the document already parsed from
 * exactly this text (sync's spec cache); without `yaml`, warnings are located by parsing again.
 */
export function readServiceApi(text: string, file: string, service: NormalizedService, given?: ParsedSpec): ServiceApi {
  const { value: parsed, yaml } = given ?? parseSpec(text, file);
  const found = structuralProblems(parsed);
  if (found.length) {
    locateProblems(text, found, yaml);
    throw new InputError(file, found.map((f) => f.problem), 'not a usable OpenAPI 3 document');
  }
  const doc = parsed as Obj;

  const warnings: Problem[] = [];
  const seenWarnings = new Set<string>();
  const located: { problem: Problem; keys: Key[] }[] = [];
  // Path-level parameters are read once per operation: report each problem once.
  const warn = (path: Key[], message: string) => {
    const w: Problem = { path: jsonPath(path), message };
    const key = `${w.path}\u0000${message}`;
    if (seenWarnings.has(key)) return;
    seenWarnings.add(key);
    warnings.push(w);
    located.push({ problem: w, keys: path });
  };
  const components = isObj(doc.components) ? doc.components : {};
  const componentSchemas = isObj(components.schemas) ? components.schemas : {};
  const convertSchema = schemaConverter({ document: doc, componentNames: new Set(Object.keys(componentSchemas)), warn });
  const r: Reader = {
    doc,
    warn,
    convert: convertSchema,
    securitySchemes: isObj(components.securitySchemes) ? components.securitySchemes : {},
  };

  const definitions = Object.fromEntries(Object.entries(componentSchemas).map(([name, s]) => [name, convertSchema(s, ['components', 'schemas', name])]));

  if (doc.paths === undefined) warn(['paths'], 'no paths: nothing to route');
  if (isObj(doc.webhooks) && Object.keys(doc.webhooks).length) warn(['webhooks'], `${Object.keys(doc.webhooks).length} webhook(s) describe requests this service sends, not routes; not routed`);
  const server = Array.isArray(doc.servers) && isObj(doc.servers[0]) && typeof doc.servers[0].url === 'string' ? doc.servers[0].url : undefined;
  if (server) {
    // Everything up to the host (`https://h`, `{scheme}://h`, `//h`) is not path; a relative URL is all path.
    const serverPath = server.replace(/^[^/]*\/\/[^/]*/, '').replace(/\/+$/, '');
    if (serverPath) warn(['servers', 0, 'url'], `the server URL's path "${serverPath}" is not added to routes: a route is exactly its path in \`paths\``);
  }

  interface Draft extends Omit<ApiOperation, 'handlerName'> {
    baseName: string;
    /** The route as find-my-way compares routes: parameter names blanked. */
    shape: string;
  }
  const drafts: Draft[] = [];
  const seenRoutes = new Map<string, string>();
  const paths = isObj(doc.paths) ? doc.paths : {};
  for (const path of Object.keys(paths).sort(byCodeUnit)) {
    if (path.startsWith('x-')) continue;
    const base: Key[] = ['paths', path];
    let item = paths[path] as Obj;
    if (typeof item.$ref === 'string') {
      const target = deref(r, item, base);
      if (target) item = { ...target, ...Object.fromEntries(Object.entries(item).filter(([k]) => k !== '$ref')) };
    }
    for (const k of Object.keys(item)) if (!PATH_ITEM_KEYS.has(k) && !k.startsWith('x-')) warn([...base, k], `"${k}" is not an HTTP method of OpenAPI 3.0/3.1; not routed`);
    const route = toFastifyUrl(path);
    if (routePath(path) !== path) warn(base, `"${path.slice(routePath(path).length)}" is not part of the route: routed as ${routePath(path)}`);
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (!isObj(op)) continue;
      const at: Key[] = [...base, method];
      if (route.unroutable) {
        warn(at, `not routed: ${route.unroutable}`);
        continue;
      }
      // find-my-way treats routes that differ only in parameter names as the same route.
      const shape = route.url.replace(/:[A-Za-z0-9_$]+/g, ':');
      const clash = seenRoutes.get(`${method} ${shape}`);
      if (clash) {
        warn(at, `same route as ${clash} (only parameter names differ); not routed`);
        continue;
      }
      seenRoutes.set(`${method} ${shape}`, `${method.toUpperCase()} ${path}`);

      const operationId = typeof op.operationId === 'string' ? op.operationId : undefined;
      const tags = Array.isArray(op.tags) ? op.tags.filter((t): t is string => typeof t === 'string') : [];
      const params = parameters(r, item.parameters, op.parameters, base, at, route.params);
      const body = requestBody(r, op.requestBody, [...at, 'requestBody']);
      if (isObj(op.callbacks) && Object.keys(op.callbacks).length) warn([...at, 'callbacks'], `callbacks (${Object.keys(op.callbacks).join(', ')}) are requests this service sends; not routed`);
      const schema: ApiOperation['schema'] = {};
      if (params.params) schema.params = params.params;
      if (params.querystring) schema.querystring = params.querystring;
      if (params.headers) schema.headers = params.headers;
      if (body.body) schema.body = body.body;
      const ok = success(r, op, at);
      const draft: Draft = {
        baseName: (operationId && toIdentifier(operationId)) || identifierFromRoute(method, path),
        shape,
        method,
        path,
        url: route.url,
        pathParams: route.params,
        group: groupName(tags, routePath(path)),
        tags,
        deprecated: op.deprecated === true,
        successStatus: ok.status,
        security: security(r, op, at),
        schema,
        bodyContentTypes: body.types,
        bodyRequired: body.required,
        idempotent: IDEMPOTENT.has(method),
      };
      if (operationId !== undefined) draft.operationId = operationId;
      if (typeof op.summary === 'string') draft.summary = op.summary;
      if (ok.contentType !== undefined) draft.successContentType = ok.contentType;
      drafts.push(draft);
    }
  }

  // Registration order: by route as the router sees it, HEAD before GET (see HTTP_METHODS),
  // then by path key. Keys that differ only in a query suffix or parameter names meet here.
  const rank = (m: HttpMethod) => HTTP_METHODS.indexOf(m);
  drafts.sort((a, b) => byCodeUnit(a.shape, b.shape) || rank(a.method) - rank(b.method) || byCodeUnit(a.path, b.path));
  const handlerNames = uniqueNames(drafts.map((d) => d.baseName));
  const operations: ApiOperation[] = drafts.map(({ baseName: _b, shape: _s, ...d }, i) => ({ handlerName: handlerNames[i]!, ...d }));
  const info = isObj(doc.info) ? doc.info : {};
  if (!isObj(doc.info)) warn(['info'], 'missing info object');
  locateProblems(text, located, yaml);
  return {
    title: typeof info.title === 'string' && info.title.trim() ? info.title : `${service.name} API`,
    version: typeof info.version === 'string' || typeof info.version === 'number' ? String(info.version) : '0.0.0',
    openapi: doc.openapi as string,
    operations,
    components: { $id: COMPONENTS_SCHEMA_ID, definitions },
    document: doc,
    warnings,
  };
}

/** Locale-independent ordering, so the same document gives the same order on every machine. */
function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
