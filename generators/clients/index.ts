/**
 * The `clients` generator: for each service another service calls synchronously, a typed
 * client in the caller (src/clients/<dependency>.ts) over the shared resilient HTTP client
 * (src/clients/http-client.ts), with the dependency's types generated into the caller
 * (src/clients/<dependency>.types.ts) so a change to the dependency's spec is a type error
 * in the code that calls it. Only the operations the plan says are called, when it says.
 */
import type { ApiOperation, ServiceApi } from '../../src/openapi/model.js';
import type { NormalizedDependency, NormalizedService } from '../../src/plan/normalize.js';
import { apiTypes } from '../../src/openapi/typescript.js';
import type { FileSpec, Generator, GeneratorContext } from '../types.js';
import { banner, operationTypes, pascal, quote } from '../service/code.js';

/** The dependency's base path (e.g. `/v1`), from an operation's route URL and its path template. */
function basePath(op: ApiOperation): string {
  const urlSegments = op.url.split('/');
  const pathSegments = op.path === '/' ? 1 : op.path.split('/').length - 1;
  return urlSegments.slice(0, Math.max(1, urlSegments.length - pathSegments)).join('/');
}

/** Operations of the dependency this service may call. */
export function calledOperations(dep: NormalizedDependency, api: ServiceApi): ApiOperation[] {
  if (dep.operations.length === 0) return api.operations;
  return api.operations.filter((o) => dep.operations.includes(o.handlerName) || (o.operationId !== undefined && dep.operations.includes(o.operationId)));
}

function jsdoc(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/\*\//g, '*\\/').trim();
}

export function clientTs(dep: NormalizedDependency, api: ServiceApi, source: string): string {
  const ops = calledOperations(dep, api);
  const C = `${dep.names.pascal}Client`;
  const lines = [
    banner(source),
    '/**',
    ` * Typed client for ${dep.service}${dep.reason ? `: ${jsdoc(dep.reason)}` : ''}.`,
    ' * Types come from its openapi.yaml (./' + `${dep.names.kebab}.types.ts); timeouts, retries, the circuit`,
    ' * breaker, tracing and deadlines from ./http-client.ts.',
    ' */',
    "import type { Context } from '@opentelemetry/api';",
    "import type { CallOptions, HttpClient } from './http-client.js';",
    `import type { paths } from './${dep.names.kebab}.types.js';`,
    '',
  ];
  for (const op of ops) {
    const T = pascal(op.handlerName);
    const types = operationTypes(op);
    const parts: string[] = [];
    if (types.params) parts.push(`  params: ${types.params};`);
    if (types.query) parts.push(`  query?: ${types.query};`);
    if (types.body) parts.push(`  body: ${types.body};`);
    lines.push(`export interface ${T}Input {`, ...parts, '}');
    lines.push(`export type ${T}Result = ${types.result};`);
    lines.push('');
  }
  lines.push(`export class ${C} {`);
  lines.push('  constructor(');
  lines.push('    readonly http: HttpClient,');
  lines.push('    /** Context calls are made in (the request being handled); the active context when unset. */');
  lines.push('    private readonly parent?: Context,');
  lines.push('  ) {}');
  lines.push('');
  lines.push('  /** The same client, making its calls as children of `ctx` (its span and deadline). */');
  lines.push(`  withContext(ctx: Context): ${C} {`);
  lines.push(`    return new ${C}(this.http, ctx);`);
  lines.push('  }');
  for (const op of ops) {
    const T = pascal(op.handlerName);
    const types = operationTypes(op);
    const hasInput = Boolean(types.params || types.query || types.body);
    const bodyType = op.bodyContentTypes[0];
    lines.push('');
    const retry = op.idempotent ? 'retried when it fails transiently' : 'retried only with options.idempotencyKey';
    lines.push(`  /** ${op.method.toUpperCase()} ${op.url}${op.summary ? `: ${jsdoc(op.summary)}` : ''} (${retry}). */`);
    lines.push(`  ${op.handlerName}(${hasInput ? `input: ${T}Input` : `input: ${T}Input = {}`}, options?: CallOptions): Promise<${T}Result> {`);
    lines.push(`    return this.http.call<${T}Result>(`);
    lines.push('      {');
    lines.push(`        operation: ${quote(op.handlerName)},`);
    lines.push(`        method: ${quote(op.method.toUpperCase())},`);
    lines.push(`        path: ${quote(`${basePath(op)}${op.path}`.replace(/^\/\//, '/'))},`);
    lines.push(`        idempotent: ${op.idempotent},`);
    if (types.params) lines.push('        params: input.params,');
    if (types.query) lines.push('        query: input.query,');
    if (types.body) {
      lines.push('        body: input.body,');
      if (bodyType && bodyType !== 'application/json') lines.push(`        contentType: ${quote(bodyType)},`);
    }
    lines.push('      },');
    lines.push('      options,');
    lines.push('      this.parent,');
    lines.push('    );');
    lines.push('  }');
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** src/clients/index.ts: one client per dependency, created from the config, on `app.clients`. */
export function clientsIndexTs(service: NormalizedService, source: string): string {
  const deps = service.dependencies;
  const lines = [
    banner(source),
    '/**',
    ' * The clients of every service this one calls, created once from the config. Handlers use',
    ' * `request.clients`: the same clients bound to the request, so each call is a child of',
    ' * the request\'s span and bounded by its deadline. Code outside a request (a background',
    ' * job) calls createClients(config) once and binds the context it runs in.',
    ' */',
    "import type { Context } from '@opentelemetry/api';",
    "import type { Config } from '../config.js';",
    "import { HttpClient, type HttpClientOptions } from './http-client.js';",
    ...deps.map((d) => `import { ${d.names.pascal}Client } from './${d.names.kebab}.client.js';`),
    '',
    'export interface Clients {',
    ...deps.map((d) => `  ${d.names.camel}: ${d.names.pascal}Client;`),
    '}',
    '',
    "declare module 'fastify' {",
    '  interface FastifyRequest {',
    '    /** The clients, bound to this request (its span and deadline). */',
    '    clients: Clients;',
    '  }',
    '}',
    '',
    'export function createClients(config: Config, options: HttpClientOptions = {}): Clients {',
    '  return {',
    ...deps.map((d) => `    ${d.names.camel}: new ${d.names.pascal}Client(new HttpClient(config.dependencies.${d.names.camel}, config.resilience, options)),`),
    '  };',
    '}',
    '',
    '/** The clients making their calls as children of `ctx`. Cheap: no connection or breaker is created. */',
    'export function bindClients(clients: Clients, ctx: Context): Clients {',
    '  return {',
    ...deps.map((d) => `    ${d.names.camel}: clients.${d.names.camel}.withContext(ctx),`),
    '  };',
    '}',
  ];
  return `${lines.join('\n')}\n`;
}

export const clientsGenerator: Generator = {
  name: 'clients',
  description: 'Typed clients for the services a service calls: timeout, retry with backoff and jitter, circuit breaker, tracing, deadlines',
  scope: 'service',
  async files(ctx: GeneratorContext, service?: NormalizedService): Promise<FileSpec[]> {
    if (!service || service.dependencies.length === 0) return [];
    const dir = `services/${service.name}/src/clients`;
    const files: FileSpec[] = [
      { path: `${dir}/http-client.ts`, owner: 'generated', template: 'src/http-client.ts.hbs', data: { banner: banner(`the plan (service ${service.name})`), service } },
      { path: `${dir}/index.ts`, owner: 'generated', content: clientsIndexTs(service, `the plan (service ${service.name})`) },
      {
        path: `services/${service.name}/test/clients.test.ts`,
        owner: 'generated',
        template: 'test/clients.test.ts.hbs',
        data: { banner: banner(`the plan (service ${service.name})`), service },
      },
    ];
    for (const dep of service.dependencies) {
      const api = ctx.apis.get(dep.service);
      if (!api) throw new Error(`service ${service.name} depends on ${dep.service}, whose API was not read`);
      const source = `services/${dep.service}/openapi.yaml`;
      // `<dep>.client.ts` and `<dep>.types.ts` cannot collide with index.ts or http-client.ts, whatever the name.
      files.push({ path: `${dir}/${dep.names.kebab}.client.ts`, owner: 'generated', content: clientTs(dep, api, source) });
      files.push({ path: `${dir}/${dep.names.kebab}.types.ts`, owner: 'generated', content: `${banner(source)}\n${await apiTypes(api)}` });
    }
    return files;
  },
};

export default clientsGenerator;
