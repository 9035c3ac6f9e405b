/**
 * The `handlers` generator: src/handlers/<group>.ts, the user's code (owner 'scaffolded').
 * One exported async function per operation, named after its handlerName and typed from
 * src/generated/handler-types.ts; the stub answers 501 problem+json. Each function is a
 * self-contained top-level declaration so sync can add the stub of a new operation with
 * ts-morph and keep every existing body byte for byte.
 */
import type { ApiOperation } from '../../src/openapi/model.js';
import type { FileSpec, Generator } from '../types.js';
import { apiOf } from '../service/index.js';
import { pascal } from '../service/code.js';

function jsdoc(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/\*\//g, '*\\/').trim();
}

/** The stub of one operation: exactly what sync inserts for an operation added later. */
export function handlerFunction(op: ApiOperation): string {
  const T = pascal(op.handlerName);
  const doc = [`${op.method.toUpperCase()} ${op.url}${op.summary ? `: ${jsdoc(op.summary)}` : ''}`];
  if (op.security) doc.push(`Requires a bearer token${op.security.scopes.length ? ` with scope(s) ${op.security.scopes.join(', ')}` : ''}.`);
  doc.push(`Answer ${op.successStatus}${op.successContentType ? ` with ${T}Result` : ''} (reply.code(${op.successStatus}) when it is not 200).`);
  if (op.deprecated) doc.push('@deprecated in the spec.');
  return [
    '/**',
    ...doc.map((l) => ` * ${l}`),
    ' */',
    `export async function ${op.handlerName}(request: ${T}Request, reply: ${T}Reply): Promise<${T}Result | ${T}Reply> {`,
    `  return notImplemented(reply, '${op.handlerName}');`,
    '}',
  ].join('\n');
}

/** The type names a handler function uses, for the import list. */
export function handlerTypeNames(op: ApiOperation): string[] {
  const T = pascal(op.handlerName);
  return [`${T}Reply`, `${T}Request`, `${T}Result`];
}

export function handlerFileTs(group: string, ops: readonly ApiOperation[], spec: string): string {
  const types = ops.flatMap(handlerTypeNames).sort();
  return [
    `// Created by create-arch-service from ${spec}. This file is yours: \`create-arch-service sync\``,
    '// adds stubs for new operations and never changes the functions that are already here.',
    `// The types come from the spec: when a handler no longer matches it, \`npm run build\` says where.`,
    "import { notImplemented } from '../problem.js';",
    `import type {\n${types.map((t) => `  ${t},`).join('\n')}\n} from '../generated/handler-types.js';`,
    '',
    ops.map(handlerFunction).join('\n\n'),
    '',
  ].join('\n');
}

export const handlersGenerator: Generator = {
  name: 'handlers',
  description: 'Handler stubs (yours to edit): one typed function per operation, answering 501 problem+json until implemented',
  scope: 'service',
  files(ctx, service): FileSpec[] {
    if (!service) return [];
    const api = apiOf(ctx, service);
    const groups = new Map<string, ApiOperation[]>();
    for (const op of api.operations) groups.set(op.group, [...(groups.get(op.group) ?? []), op]);
    const spec = `services/${service.name}/openapi.yaml`;
    return [...groups.keys()].sort().map((group) => ({
      path: `services/${service.name}/src/handlers/${group}.ts`,
      owner: 'scaffolded' as const,
      content: handlerFileTs(group, groups.get(group)!, spec),
    }));
  },
};

export default handlersGenerator;
