/**
 * Mounts a ServiceApi in a real Fastify 5 instance the way a generated server does
 * (src/openapi/model.ts): the shared components schema, one route per operation with its
 * validation schema, the Ajv options the model documents, and body parsers for the media
 * types the model says are accepted. Each route echoes its handler name in a header set
 * in onRequest (before validation), so a test can prove which route a request hit.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { SERVER_AJV_OPTIONS, type ApiOperation, type ServiceApi } from '../../src/openapi/model.js';
import { parsePath, routePath } from '../../src/openapi/route-url.js';

export async function mountApi(api: ServiceApi): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, ajv: { customOptions: { ...SERVER_AJV_OPTIONS } } });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.addSchema(api.components);
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-handler', (req.routeOptions.config as { handlerName?: string }).handlerName ?? '');
  });
  for (const op of api.operations) {
    app.route({
      method: op.method.toUpperCase(),
      url: op.url,
      schema: op.schema,
      config: { handlerName: op.handlerName },
      handler: async () => ({ handler: op.handlerName }),
    });
  }
  await app.ready();
  return app;
}

function sampleValue(op: ApiOperation, routeName: string, index: number): string {
  const props = (op.schema.params?.properties ?? {}) as Record<string, { type?: unknown; enum?: unknown[] }>;
  const s = props[routeName] ?? {};
  if (Array.isArray(s.enum) && typeof s.enum[0] === 'string') return s.enum[0];
  const t = Array.isArray(s.type) ? s.type[0] : s.type;
  if (t === 'integer' || t === 'number') return String(7 + index);
  return `v${index}x`;
}

/** A request URL that matches the operation's path template. */
export function sampleUrl(op: ApiOperation): string {
  const pieces = parsePath(routePath(op.path)) ?? [];
  let i = 0;
  return pieces
    .map((p) => {
      if (p.kind === 'static') return encodeURI(p.text);
      const route = op.pathParams[i];
      return encodeURIComponent(sampleValue(op, route?.routeName ?? p.name, i++));
    })
    .join('');
}
