import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { InjectOptions } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { normalizePlan, type NormalizedService } from '../../src/plan/normalize.js';
import { readServiceApi } from '../../src/openapi/read.js';
import { specFromPlan } from '../../src/openapi/from-plan.js';
import { corpus, root } from './corpus.js';
import { mountApi, sampleUrl } from './fastify-harness.js';

const minimal = normalizePlan(JSON.parse(readFileSync(path.join(root, 'examples/minimal.json'), 'utf8')));
const service: NormalizedService = minimal.services[0]!;
const { docs } = corpus();
const timings: string[] = [];
afterAll(() => {
  if (timings.length) console.log(`[openapi read timings]\n${timings.join('\n')}`);
});

describe('readServiceApi over the corpus', () => {
  it.each(docs.map((d) => [d.name, d] as const))('%s: reads, registers every route in Fastify 5, and each route answers its own request', async (name, d) => {
    const t0 = performance.now();
    const api = readServiceApi(d.text, d.name, service);
    const tRead = performance.now() - t0;
    const app = await mountApi(api);
    const tMount = performance.now() - t0 - tRead;
    try {
      for (const op of api.operations) {
        const res = await app.inject({ method: op.method.toUpperCase() as 'GET', url: sampleUrl(op) });
        expect.soft(res.statusCode, `${op.method} ${op.path} -> ${sampleUrl(op)}`).not.toBe(404);
        expect.soft(res.headers['x-handler'], `${op.method} ${op.path}`).toBe(op.handlerName);
      }
    } finally {
      await app.close();
    }
    timings.push(`${name}: ${api.operations.length} operations, read ${tRead.toFixed(0)} ms, Fastify register+compile ${tMount.toFixed(0)} ms, ${api.warnings.length} warnings`);
    const ids = api.operations.map((o) => o.handlerName);
    expect(new Set(ids.map((i) => i.toLowerCase())).size).toBe(ids.length);
    for (const op of api.operations) {
      expect(op.handlerName).toMatch(/^[a-z][A-Za-z0-9]*$/);
      expect(op.group).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(op.group.length).toBeLessThanOrEqual(60);
    }
    // Sorted by route shape, HEAD first, then path key.
    const key = (o: (typeof api.operations)[number]) => [o.url.replace(/:[A-Za-z0-9_$]+/g, ':'), o.method === 'head' ? '' : o.method, o.path].join('\u0000');
    const sorted = [...api.operations].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    expect(api.operations).toEqual(sorted);
  }, 300_000); // openai.yaml: hundreds of routes compiled by Ajv, slow on a loaded machine
});

const doc = (paths: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ openapi: '3.1.0', info: { title: 't', version: '1' }, paths, ...extra });
const op = (operationId?: string, more: Record<string, unknown> = {}) => ({ ...(operationId !== undefined ? { operationId } : {}), responses: { '200': { description: 'ok' } }, ...more });
const read = (text: string, file = 'openapi.json') => readServiceApi(text, file, service);

describe('handler names', () => {
  it.each([
    ['find pet by id', 'findPetById'],
    ['list-data-sets', 'listDataSets'],
    ['pets.list', 'petsList'],
    ['pets/list', 'petsList'],
    ['getPetById', 'getPetById'],
    ['GetPets', 'getPets'],
    ['URL', 'url'],
    ['2fa-setup', 'op2faSetup'],
    ['delete', 'deleteOp'],
    ['new', 'newOp'],
    ['class', 'classOp'],
    ['créerNote', 'creerNote'],
    ['!!!', 'getThings'],
    ['', 'getThings'],
  ])('operationId %j -> %s', (operationId, want) => {
    expect(read(doc({ '/things': { get: op(operationId) } })).operations[0]!.handlerName).toBe(want);
  });

  it.each([
    ['get', '/pets/{petId}', 'getPetsPetId'],
    ['get', '/', 'getRoot'],
    ['post', '/Accounts/{AccountSid}/Calls.json', 'postAccountsAccountSidCallsJson'],
    ['delete', '/a-b/c_d', 'deleteABCD'],
  ])('no operationId: %s %s -> %s', (method, path, want) => {
    expect(read(doc({ [path]: { [method]: op() } })).operations[0]!.handlerName).toBe(want);
  });

  it('collisions get numeric suffixes in path/method order, case-insensitively', () => {
    const api = read(doc({ '/a': { get: op('listPets'), post: op('ListPets') }, '/b': { get: op('listPets') }, '/c': { get: op('listPets2') } }));
    expect(api.operations.map((o) => `${o.method} ${o.path} ${o.handlerName}`)).toEqual([
      'get /a listPets',
      'post /a listPets2',
      'get /b listPets3',
      'get /c listPets22',
    ]);
  });
});

describe('groups (handler file names)', () => {
  it.each([
    [['Pet Store'], '/x', 'pet-store'],
    [['PetStoreAPI'], '/x', 'pet-store-api'],
    [['../../etc/passwd'], '/x', 'etc-passwd'],
    [['CON'], '/x', 'con-api'],
    [['index'], '/x', 'index-api'],
    [['日本'], '/orders/{id}', 'orders'],
    [[], '/v1/pets/{id}', 'pets'],
    [[], '/2010-04-01/Accounts.json', 'accounts'],
    [[], '/{id}', 'root'],
    [[], '/', 'root'],
    [['a'.repeat(100)], '/x', 'a'.repeat(60)],
    [['x-'.repeat(40)], '/x', 'x-'.repeat(30).slice(0, 59)],
  ])('tags %j, path %s -> %s', (tags, path, want) => {
    const g = read(doc({ [path]: { get: op('x', { tags }) } })).operations[0]!.group;
    expect(g).toBe(want);
    expect(g).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });
});

describe('route URLs in find-my-way syntax, proven in Fastify', () => {
  const table: [string, string, Record<string, string>][] = [
    ['/pets/{petId}', '/pets/:petId', { petId: 'v0x' }],
    ['/Accounts/{AccountSid}/Calls/{Sid}.json', '/Accounts/:AccountSid/Calls/:Sid.json', { AccountSid: 'v0x', Sid: 'v1x' }],
    ['/near/{lat}-{lng}', '/near/:lat-:lng', { lat: 'v0x', lng: 'v1x' }],
    ['/files/{name}.{ext}', '/files/:name.:ext', { name: 'v0x', ext: 'v1x' }],
    ['/pair/{x}_{y}', '/pair/:x([^/]+?)_:y', { x: 'v0x', y: 'v1x' }],
    ['/glued/{x}{y}', '/glued/:x([^/]+?):y', { x: 'v', y: '0xv1x' }],
    ['/time/12:00', '/time/12::00', {}],
    ['/things/{id}:archive', '/things/:id([^/]+?)::archive', { id: 'v0x' }],
    ['/pets/{pet-id}/toys/{toy.id}', '/pets/:pet_id/toys/:toy_id', { pet_id: 'v0x', toy_id: 'v1x' }],
    ['/', '/', {}],
    ['/search?beta=true', '/search', {}],
    ['/with space/{id}', '/with space/:id', { id: 'v0x' }],
  ];
  it.each(table)('%s -> %s', async (path, url, params) => {
    const api = read(doc({ [path]: { get: op('it') } }));
    const o = api.operations[0]!;
    expect(o.url).toBe(url);
    const app = await mountApi(api);
    try {
      const res = await app.inject({ method: 'GET', url: sampleUrl(o) });
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-handler']).toBe('it');
    } finally {
      await app.close();
    }
    // The route params Fastify extracted, as the harness's handler would see them.
    const fastify = (await import('fastify')).default({ logger: false });
    fastify.get(o.url, async (req) => req.params);
    const res = await fastify.inject({ method: 'GET', url: sampleUrl(o) });
    expect(res.json()).toEqual(params);
    await fastify.close();
  });

  it('renamed path parameters are reported with their spec names', () => {
    const o = read(doc({ '/pets/{pet-id}': { get: op('x') } })).operations[0]!;
    expect(o.pathParams).toEqual([{ name: 'pet-id', routeName: 'pet_id' }]);
    expect(o.schema.params).toEqual({ type: 'object', properties: { pet_id: { type: 'string' } }, required: ['pet_id'] });
  });

  it('routes that differ only in parameter names are routed once, with a warning', () => {
    const api = read(doc({ '/a/{x}': { get: op('one') }, '/a/{y}': { get: op('two') } }));
    expect(api.operations.map((o) => o.handlerName)).toEqual(['one']);
    expect(api.warnings).toContainEqual(expect.objectContaining({ path: '$.paths["/a/{y}"].get', message: 'same route as GET /a/{x} (only parameter names differ); not routed' }));
  });

  it('an explicit HEAD beside a GET registers (HEAD first) and wins', async () => {
    const api = read(doc({ '/x': { get: op('getX'), head: op('headX') } }));
    expect(api.operations.map((o) => o.handlerName)).toEqual(['headX', 'getX']);
    const app = await mountApi(api);
    try {
      expect((await app.inject({ method: 'HEAD', url: '/x' })).headers['x-handler']).toBe('headX');
      expect((await app.inject({ method: 'GET', url: '/x' })).headers['x-handler']).toBe('getX');
    } finally {
      await app.close();
    }
  });

  it('a literal "*" cannot be routed: warning, not a crash', () => {
    const api = read(doc({ '/files/*': { get: op('star') }, '/ok': { get: op('ok') } }));
    expect(api.operations.map((o) => o.handlerName)).toEqual(['ok']);
    expect(api.warnings.map((w) => w.path)).toContain('$.paths["/files/*"].get');
  });
});

describe('security', () => {
  const schemes = {
    bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
    oauth: { type: 'oauth2', flows: { implicit: { authorizationUrl: 'https://x/a', scopes: { a: 'a', b: 'b' } } } },
    oidc: { type: 'openIdConnect', openIdConnectUrl: 'https://x/.well-known/openid-configuration' },
    key: { type: 'apiKey', in: 'header', name: 'X-Key' },
    basic: { type: 'http', scheme: 'basic' },
  };
  it.each([
    ['document default applies', undefined, [{ bearer: ['r'] }], { schemes: ['bearer'], bearer: true, scopes: ['r'] }],
    ['operation [] is public', [], [{ bearer: [] }], null],
    ['an empty alternative makes auth optional', [{}, { bearer: [] }], undefined, null],
    ['no security anywhere', undefined, undefined, null],
    ['oauth2 scopes are unioned', [{ oauth: ['a'] }, { oauth: ['b', 'a'] }], undefined, { schemes: ['oauth'], bearer: true, scopes: ['a', 'b'] }],
    ['openIdConnect is a bearer scheme', [{ oidc: ['openid'] }], undefined, { schemes: ['oidc'], bearer: true, scopes: ['openid'] }],
    ['apiKey is not', [{ key: [] }], undefined, { schemes: ['key'], bearer: false, scopes: [] }],
    ['alternatives: basic or bearer', [{ basic: [] }, { bearer: [] }], undefined, { schemes: ['basic', 'bearer'], bearer: true, scopes: [] }],
  ])('%s', (_name, opSecurity, docSecurity, want) => {
    const o = op('x', opSecurity !== undefined ? { security: opSecurity } : {});
    const api = read(doc({ '/x': { get: o } }, { components: { securitySchemes: schemes }, ...(docSecurity ? { security: docSecurity } : {}) }));
    expect(api.operations[0]!.security).toEqual(want);
  });

  it('an undefined scheme is a warning', () => {
    const api = read(doc({ '/x': { get: op('x', { security: [{ nope: [] }] }) } }));
    expect(api.warnings).toContainEqual(expect.objectContaining({ path: '$.paths["/x"].get.security', message: 'security scheme "nope" is not defined in components.securitySchemes' }));
  });
});

describe('operation facts', () => {
  it('success status and content type, idempotency, deprecation, tags', () => {
    const api = read(
      doc({
        '/a': {
          post: op('create', { deprecated: true, tags: ['t1', 't2'], responses: { '202': { description: 'x' }, '201': { description: 'y', content: { 'text/plain': {}, 'application/hal+json': {} } } } }),
          put: op('replace', { responses: { '2XX': { description: 'ok' } } }),
          get: op('read', { responses: { default: { description: 'err' } } }),
        },
      }),
    );
    const [get, post, put] = api.operations;
    expect(post).toMatchObject({ successStatus: 201, successContentType: 'application/hal+json', idempotent: false, deprecated: true, tags: ['t1', 't2'] });
    expect(put).toMatchObject({ successStatus: 200, idempotent: true, deprecated: false });
    expect(get).toMatchObject({ successStatus: 200, idempotent: true });
    expect(get!.successContentType).toBeUndefined();
  });

  it('request bodies: JSON and urlencoded validated, others accepted with a warning', () => {
    const schema = { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } };
    const api = read(
      doc({
        '/json': { post: op('json', { requestBody: { required: true, content: { 'application/json; charset=utf-8': { schema } } } }) },
        '/optional': { post: op('optional', { requestBody: { content: { 'application/json': { schema } } } }) },
        '/mixed': { post: op('mixed', { requestBody: { required: true, content: { 'application/json': { schema }, 'application/x-www-form-urlencoded': { schema }, 'application/xml': { schema } } } }) },
        '/upload': { post: op('upload', { requestBody: { content: { 'multipart/form-data': { schema } } } }) },
      }),
    );
    const by = Object.fromEntries(api.operations.map((o) => [o.handlerName, o]));
    expect(by.json!.schema.body).toEqual(schema);
    expect(by.json!.bodyRequired).toBe(true);
    expect(by.optional!.schema.body).toEqual({ content: { 'application/json': { schema } } });
    expect(by.optional!.bodyRequired).toBe(false);
    expect(by.mixed!.schema.body).toEqual({ content: { 'application/json': { schema }, 'application/x-www-form-urlencoded': { schema } } });
    expect(by.mixed!.bodyContentTypes).toEqual(['application/json', 'application/x-www-form-urlencoded', 'application/xml']);
    expect(by.upload!.schema.body).toBeUndefined();
    expect(api.warnings.map((w) => w.path)).toEqual(['$.paths["/mixed"].post.requestBody.content', '$.paths["/upload"].post.requestBody.content']);
  });

  it('parameters: path-level merged and overridden, $refs resolved, headers lower-cased, cookies warned', () => {
    const api = read(
      doc(
        {
          '/items/{id}': {
            parameters: [{ $ref: '#/components/parameters/Id' }, { name: 'q', in: 'query', schema: { type: 'string' } }],
            get: op('get', {
              parameters: [
                { name: 'q', in: 'query', required: true, schema: { type: 'integer' } },
                { name: 'X-Trace', in: 'header', required: true, schema: { type: 'string' } },
                { name: 'Accept', in: 'header', schema: { type: 'string' } },
                { name: 'session', in: 'cookie', schema: { type: 'string' } },
                { name: 'filter', in: 'query', style: 'deepObject', schema: { type: 'object' } },
              ],
            }),
          },
        },
        { components: { parameters: { Id: { name: 'id', in: 'path', required: true, schema: { type: 'integer', format: 'int64' } } } } },
      ),
    );
    const o = api.operations[0]!;
    expect(o.schema.params).toEqual({ type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] });
    expect(o.schema.querystring).toEqual({ type: 'object', properties: { q: { type: 'integer' }, filter: {} }, required: ['q'] });
    expect(o.schema.headers).toEqual({ type: 'object', properties: { 'x-trace': { type: 'string' } }, required: ['x-trace'] });
    expect(api.warnings.map((w) => w.message)).toEqual([
      'header parameter "Accept" is ignored (OpenAPI: Accept, Content-Type and Authorization are described elsewhere)',
      'cookie parameter "session" is not validated',
      'query parameter "filter" (style deepObject, object) is not validated: the default query parser does not decode it',
    ]);
  });

  it('callbacks and webhooks are reported, not routed', () => {
    const cb = read(docs.find((d) => d.name === 'oai-callback-example.yaml')!.text, 'cb.yaml');
    expect(cb.warnings.some((w) => w.path === '$.paths["/streams"].post.callbacks')).toBe(true);
    const wh = read(docs.find((d) => d.name === 'oai-webhook-example.yaml')!.text, 'wh.yaml');
    expect(wh.operations).toEqual([]);
    expect(wh.warnings.some((w) => w.path === '$.webhooks')).toBe(true);
  });
});

describe('schemas: OpenAPI -> JSON Schema that Fastify compiles', () => {
  it.each([
    ['3.0 nullable', { type: 'string', nullable: true, enum: ['a'] }, { type: ['string', 'null'], enum: ['a', null] }],
    ['3.0 nullable without type', { allOf: [{ type: 'object' }], nullable: true }, { anyOf: [{ allOf: [{ type: 'object' }] }, { type: 'null' }] }],
    ['3.1 null type array', { type: ['string', 'null'] }, { type: ['string', 'null'] }],
    ['3.0 exclusive bounds', { type: 'number', minimum: 1, exclusiveMinimum: true, maximum: 9, exclusiveMaximum: false }, { type: 'number', exclusiveMinimum: 1, maximum: 9 }],
    ['annotations dropped', { type: 'object', example: {}, examples: [{}], discriminator: { propertyName: 'k' }, xml: { name: 'x' }, externalDocs: { url: 'https://x' }, 'x-foo': 1, deprecated: true }, { type: 'object' }],
    ['unknown formats dropped, known kept', { type: 'object', properties: { a: { type: 'integer', format: 'int64' }, b: { type: 'string', format: 'binary' }, c: { type: 'string', format: 'email' }, d: { type: 'string', format: 'phone' } } }, { type: 'object', properties: { a: { type: 'integer' }, b: { type: 'string' }, c: { type: 'string', format: 'email' }, d: { type: 'string' } } }],
    ['component $ref stays a ref', { $ref: '#/components/schemas/Node' }, { $ref: 'openapi-components#/definitions/Node' }],
    ['3.0 $ref with nullable', { $ref: '#/components/schemas/Node', nullable: true }, { anyOf: [{ $ref: 'openapi-components#/definitions/Node' }, { type: 'null' }] }],
    ['invalid keyword values dropped', { type: 'file', required: true, enum: [], maxLength: -1, multipleOf: 0 }, {}],
    ['prefixItems -> tuple', { type: 'array', prefixItems: [{ type: 'string' }], items: false }, { type: 'array', items: [{ type: 'string' }], additionalItems: false }],
    ['required readOnly properties are not required in requests', { type: 'object', required: ['id', 'name'], properties: { id: { type: 'string', readOnly: true }, name: { type: 'string' } } }, { type: 'object', required: ['name'], properties: { id: { type: 'string', readOnly: true }, name: { type: 'string' } } }],
    ['dependentRequired -> dependencies', { dependentRequired: { a: ['b'] } }, { dependencies: { a: ['b'] } }],
  ])('%s', (_name, given, want) => {
    const api = read(doc({ '/x': { post: op('x', { requestBody: { required: true, content: { 'application/json': { schema: given } } } }) } }, { components: { schemas: { Node: { type: 'object' } } } }));
    expect(api.operations[0]!.schema.body).toEqual(want);
  });

  it.each(['Foo Bar', 'a/b', 'x~y', 'ünï', 'pets.v1.Pet', '%41'])('a component named %j is referenced and validated in Fastify', async (name) => {
    const ref = `#/components/schemas/${encodeURIComponent(name.replace(/~/g, '~0').replace(/\//g, '~1'))}`;
    const api = read(
      doc(
        { '/x': { post: op('x', { requestBody: { required: true, content: { 'application/json': { schema: { $ref: ref } } } } }) } },
        { components: { schemas: { [name]: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } } } } },
      ),
    );
    expect(api.warnings).toEqual([]);
    const app = await mountApi(api);
    try {
      expect((await app.inject({ method: 'POST', url: '/x', payload: { n: 1 } })).statusCode).toBe(200);
      expect((await app.inject({ method: 'POST', url: '/x', payload: { n: 'one' } })).statusCode).toBe(400);
    } finally {
      await app.close();
    }
  });

  it('recursive component schemas compile and validate nested data (400 names the field)', async () => {
    const api = read(
      doc(
        { '/trees': { post: op('plant', { requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Tree' } } } } }) } },
        { components: { schemas: { Tree: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#/components/schemas/Tree' } } } } } } },
      ),
    );
    const app = await mountApi(api);
    try {
      const good = await app.inject({ method: 'POST', url: '/trees', payload: { name: 'a', children: [{ name: 'b', children: [{ name: 'c' }] }] } });
      expect(good.statusCode).toBe(200);
      const bad = await app.inject({ method: 'POST', url: '/trees', payload: { name: 'a', children: [{ children: [] }] } });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().message).toContain('/children/0');
    } finally {
      await app.close();
    }
  });

  it('hostile schemas: deep nesting, bad patterns, external and dangling refs, __proto__ keys -> warnings, still compiles', async () => {
    let deep: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 500; i++) deep = { type: 'object', properties: { a: deep } };
    const api = read(
      JSON.stringify({
        openapi: '3.0.3',
        info: { title: 't', version: '1' },
        paths: {
          '/x': {
            post: op('x', {
              requestBody: {
                required: true,
                content: {
                  'application/json': {
                    schema: {
                      type: 'object',
                      properties: {
                        deep,
                        pat: { type: 'string', pattern: '^[a-z' },
                        ext: { $ref: 'other.yaml#/Foo' },
                        dangling: { $ref: '#/components/schemas/Nope' },
                        ['__proto__']: { type: 'string' },
                      },
                    },
                  },
                },
              },
            }),
          },
        },
      }),
    );
    const messages = api.warnings.map((w) => w.message);
    expect(messages.some((m) => m.includes('nested deeper than'))).toBe(true);
    expect(messages).toContain('pattern is not a valid unicode regular expression; ignored');
    expect(messages).toContain('external reference "other.yaml#/Foo" cannot be followed; accepting any value');
    expect(messages).toContain('reference "#/components/schemas/Nope" does not resolve; accepting any value');
    const props = (api.operations[0]!.schema.body as { properties: Record<string, unknown> }).properties;
    expect(Object.prototype.hasOwnProperty.call(props, '__proto__')).toBe(true);
    const app = await mountApi(api);
    await app.close();
  });
});

describe('documents that cannot be used: InputError naming the JSON path', () => {
  const many = Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`/p${i}`, { get: op(`o${i}`) }]));
  it.each([
    ['Swagger 2.0', JSON.stringify({ swagger: '2.0', info: {}, paths: {} }), '$.swagger', 'Swagger / OpenAPI 2.0 is not supported'],
    ['OpenAPI 4', JSON.stringify({ openapi: '4.0.0', paths: {} }), '$.openapi', 'must be an OpenAPI 3.0.x or 3.1.x version'],
    ['openapi as a number', '{"openapi": 3.1, "paths": {}}', '$.openapi', 'must be an OpenAPI 3.0.x or 3.1.x version'],
    ['not a mapping', '[1, 2]', '$', 'must be a mapping'],
    ['paths not a mapping', doc([] as never), '$.paths', 'must be a mapping'],
    ['path without a leading slash', doc({ pets: { get: op('x') } }), '$.paths.pets', 'must start with "/"'],
    ['.. segment', doc({ '/a/../../etc': { get: op('x') } }), '$.paths["/a/../../etc"]', '"." or ".." segments'],
    ['NUL byte', doc({ '/a\u0000b': { get: op('x') } }), '$.paths["/a\\u0000b"]', 'control characters'],
    ['empty segment', doc({ '/a//b': { get: op('x') } }), '$.paths["/a//b"]', 'empty segment'],
    ['backslash', doc({ '/a\\b': { get: op('x') } }), '$.paths["/a\\\\b"]', 'backslash'],
    ['unbalanced braces', doc({ '/a/{b': { get: op('x') } }), '$.paths["/a/{b"]', 'braces'],
    ['operation not a mapping', doc({ '/a': { get: 'nope' } }), '$.paths["/a"].get', 'an operation must be a mapping'],
    ['10k-style flood', doc(many), '$.paths', 'more than 1000'],
  ])('%s', (_name, text, path, message) => {
    let err: unknown;
    try {
      read(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    const problems = (err as InputError).problems;
    expect(problems.some((p) => p.path === path && p.message.includes(message)), JSON.stringify(problems)).toBe(true);
    expect((err as InputError).message).toContain('openapi.json');
  });

  it('problems and warnings in YAML carry the line and column of their node', () => {
    const yaml = ['openapi: 3.0.3', 'info: {title: t, version: "1"}', 'paths:', '  /ok:', '    get:', '      parameters:', '        - name: sid', '          in: cookie', '      responses: {}', '  bad/{x}:', '    get: {}', ''].join('\n');
    let err: unknown;
    try {
      read(yaml, 'svc/openapi.yaml');
    } catch (e) {
      err = e;
    }
    expect((err as InputError).problems).toEqual([{ path: '$.paths["bad/{x}"]', message: 'path must start with "/"', line: 10, column: 3 }]);
    expect((err as InputError).message).toContain('svc/openapi.yaml:10:3');
    const api = read(yaml.replace('bad/{x}', '/fine'), 'svc/openapi.yaml');
    expect(api.warnings).toEqual([{ path: '$.paths["/ok"].get.parameters[0]', message: 'cookie parameter "sid" is not validated', line: 7, column: 11 }]);
  });

  it('a YAML alias bomb is an InputError, not an expansion', () => {
    const lines = ['openapi: 3.1.0', 'info: {title: t, version: "1"}', 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    lines.push('paths: {}', '');
    expect(() => read(lines.join('\n'), 'bomb.yaml')).toThrow(InputError);
  });

  it('YAML syntax errors carry line and column', () => {
    let err: unknown;
    try {
      read('openapi: 3.1.0\npaths:\n  /a: [\n', 'svc/openapi.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).problems[0]!.line).toBeGreaterThan(1);
  });
});

describe('specs rendered from the plan read back exactly', () => {
  const shop = normalizePlan(JSON.parse(readFileSync(path.join(root, 'examples/shop.json'), 'utf8')));
  it.each(shop.services.map((s) => [s.name, s] as const))('%s: no warnings, one operation per plan operation', (_name, s) => {
    const api = readServiceApi(specFromPlan(shop, s), `services/${s.name}/openapi.yaml`, s);
    expect(api.warnings).toEqual([]);
    expect(api.openapi).toBe('3.1.0');
    expect(api.operations.map((o) => o.handlerName).sort()).toEqual(s.operations.map((o) => o.id).sort());
    for (const planned of s.operations) {
      const o = api.operations.find((x) => x.operationId === planned.id)!;
      expect(o.method).toBe(planned.method);
      expect(o.path).toBe(`${s.basePath}${planned.path}`);
      expect(o.url).toBe(`${s.basePath}${planned.path.replace(/\{([^}]+)\}/g, ':$1')}`);
      expect(o.group).toBe(s.name);
      expect(o.successStatus).toBe(planned.response.status);
      expect(o.security).toEqual(planned.auth === 'jwt' ? { schemes: ['bearerAuth'], bearer: true, scopes: planned.scopes } : null);
      expect(o.bodyRequired).toBe(Boolean(planned.requestBody));
      expect(o.schema.headers !== undefined).toBe(Boolean(planned.idempotencyKey));
    }
  });

  it('catalog in Fastify: valid requests pass, invalid ones are 400 naming the field', async () => {
    const s = shop.services.find((x) => x.name === 'catalog')!;
    const app = await mountApi(readServiceApi(specFromPlan(shop, s), 'catalog.yaml', s));
    const product = { sku: 'A-1', name: 'Lamp', priceCents: 1999, currency: 'EUR', stock: 3 };
    try {
      const cases: [string, InjectOptions, number, string?][] = [
        ['valid create', { method: 'POST', url: '/v1/products', payload: product, headers: { 'idempotency-key': 'k1' } }, 200],
        ['missing field', { method: 'POST', url: '/v1/products', payload: { ...product, sku: undefined } }, 400, 'sku'],
        ['bad enum', { method: 'POST', url: '/v1/products', payload: { ...product, currency: 'XXX' } }, 400, 'currency'],
        ['negative price', { method: 'POST', url: '/v1/products', payload: { ...product, priceCents: -1 } }, 400, 'priceCents'],
        ['empty idempotency key', { method: 'POST', url: '/v1/products', payload: product, headers: { 'idempotency-key': '' } }, 400, 'idempotency-key'],
        ['no body', { method: 'POST', url: '/v1/products' }, 400, 'body'],
        ['limit in range', { method: 'GET', url: '/v1/products?limit=5&inStock=true' }, 200],
        ['limit too large', { method: 'GET', url: '/v1/products?limit=500' }, 400, 'limit'],
        ['read one', { method: 'GET', url: '/v1/products/abc' }, 200],
      ];
      for (const [name, request, status, field] of cases) {
        const res = await app.inject(request);
        expect(res.statusCode, name).toBe(status);
        if (field) expect(res.body, name).toContain(field);
      }
    } finally {
      await app.close();
    }
  });
});
