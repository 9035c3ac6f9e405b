/**
 * The edits behind `add service` and `add operation`: pure functions from the current
 * text of arch.plan.json / openapi.yaml to the new text, validated before anything is
 * written. The plop generators (generators/plopfile.ts) call them from their actions.
 */
import { isMap, parseDocument } from 'yaml';
import { InputError } from '../errors.js';
import { API_PATH, HTTP_METHODS, OPERATION_ID, SERVICE_NAME, type Plan } from '../plan/schema.js';
import { validatePlan } from '../plan/validate.js';

export type AddMethod = (typeof HTTP_METHODS)[number];

export function checkServiceName(name: string, plan: Plan): true | string {
  if (!SERVICE_NAME.test(name)) return `"${name}" is not a service name: kebab-case (lower-case letters, digits and single hyphens, starting with a letter)`;
  if (plan.services.some((s) => s.name === name)) return `the plan already has a service named "${name}"`;
  return true;
}

/** arch.plan.json with one more service (REST, base path /v1, no operations yet; add them with `add operation`). */
export function addServiceToPlan(planText: string, file: string, name: string, description: string): { text: string; plan: Plan } {
  const plan = validatePlan(JSON.parse(planText), file);
  const ok = checkServiceName(name, plan);
  if (ok !== true) throw new InputError(file, [{ path: '$.services', message: ok }], 'cannot add the service');
  const raw = JSON.parse(planText) as { services: unknown[] };
  raw.services.push({ name, description, api: { style: 'rest', basePath: '/v1' }, operations: [] });
  const next = validatePlan(raw, file);
  const indent = /\n([ \t]+)"/.exec(planText)?.[1] ?? 2;
  return { text: `${JSON.stringify(raw, null, indent)}\n`, plan: next };
}

export function checkMethod(method: string): true | string {
  return (HTTP_METHODS as readonly string[]).includes(method.toLowerCase()) ? true : `method must be one of ${HTTP_METHODS.map((m) => m.toUpperCase()).join(', ')}`;
}

export function checkPath(p: string): true | string {
  return API_PATH.test(p) ? true : `"${p}" is not a URL path such as /orders/{orderId} (safe characters, {param} placeholders, no query string)`;
}

export function checkOperationId(id: string): true | string {
  return OPERATION_ID.test(id) ? true : `"${id}" is not an operationId: camelCase, starting with a lower-case letter`;
}

/** `post /orders/{orderId}/items` -> `postOrdersItems`: the default operationId. */
export function defaultOperationId(method: string, p: string): string {
  const words = p
    .split('/')
    .filter((s) => s && !s.startsWith('{') && !/^v[0-9]+$/.test(s))
    .flatMap((s) => s.split(/[^A-Za-z0-9]+/))
    .filter(Boolean);
  const id = [method.toLowerCase(), ...words.map((w) => w[0]!.toUpperCase() + w.slice(1))].join('');
  return OPERATION_ID.test(id) ? id : `${method.toLowerCase()}Operation`;
}

export interface NewOperation {
  method: string;
  path: string;
  operationId: string;
  summary: string;
}

/** The spec path of `p` for a service with base path `basePath` (paths in our specs include it). */
export function specRoute(basePath: string | undefined, p: string): string {
  if (!basePath || p === basePath || p.startsWith(`${basePath}/`)) return p;
  return `${basePath}${p === '/' ? '' : p}`;
}

/**
 * openapi.yaml with one more operation: a JSON response (201 for POST, 204 without a body
 * for DELETE), path parameters declared. Comments and everything else stay as they were.
 */
export function addOperationToSpec(specText: string, file: string, op: NewOperation): string {
  const doc = parseDocument(specText);
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    throw new InputError(file, [{ path: '', message: `malformed YAML: ${e.message.split('\n')[0]}`, line: e.linePos?.[0]?.line, column: e.linePos?.[0]?.col }], 'cannot read');
  }
  const method = op.method.toLowerCase();
  const problems = [checkMethod(method), checkPath(op.path), checkOperationId(op.operationId)].filter((r): r is string => r !== true);
  if (problems.length) throw new InputError(file, problems.map((message) => ({ path: '', message })), 'cannot add the operation');
  const value = doc.toJS() as { paths?: Record<string, Record<string, { operationId?: string }>> };
  if (value.paths?.[op.path]?.[method]) {
    throw new InputError(file, [{ path: `$.paths["${op.path}"].${method}`, message: `${method.toUpperCase()} ${op.path} already exists` }], 'cannot add the operation');
  }
  for (const [p, item] of Object.entries(value.paths ?? {})) {
    for (const [m, o] of Object.entries(item ?? {})) {
      if (o && typeof o === 'object' && o.operationId === op.operationId) {
        throw new InputError(file, [{ path: `$.paths["${p}"].${m}.operationId`, message: `operationId ${op.operationId} is already used by ${m.toUpperCase()} ${p}` }], 'cannot add the operation');
      }
    }
  }
  const params = [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => ({ name: m[1]!, in: 'path', required: true, schema: { type: 'string' } }));
  const status = method === 'post' ? '201' : method === 'delete' ? '204' : '200';
  const response =
    status === '204'
      ? { description: 'No Content' }
      : { description: status === '201' ? 'Created' : 'OK', content: { 'application/json': { schema: { type: 'object', additionalProperties: true } } } };
  const operation: Record<string, unknown> = { operationId: op.operationId, summary: op.summary };
  if (params.length) operation.parameters = params;
  if (method === 'post' || method === 'put' || method === 'patch') {
    operation.requestBody = { required: true, content: { 'application/json': { schema: { type: 'object', additionalProperties: true } } } };
  }
  operation.responses = { [status]: response };
  if (!isMap(doc.get('paths'))) doc.set('paths', doc.createNode({}));
  doc.setIn(['paths', op.path, method], doc.createNode(operation));
  return doc.toString({ lineWidth: 0 });
}
