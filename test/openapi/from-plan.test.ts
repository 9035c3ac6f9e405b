import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createConfig, lintFromString, type Config } from '@redocly/openapi-core';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { normalizePlan, type NormalizedPlan } from '../../src/plan/normalize.js';
import { validatePlan } from '../../src/plan/validate.js';
import type { Plan } from '../../src/plan/schema.js';
import { renderedDocument, specFromPlan } from '../../src/openapi/from-plan.js';
import { readServiceApi } from '../../src/openapi/read.js';
import { mountApi } from './fastify-harness.js';

const root = path.resolve(import.meta.dirname, '../..');
const example = (name: string): Plan => validatePlan(JSON.parse(readFileSync(path.join(root, 'examples', `${name}.json`), 'utf8')), `${name}.json`);

/** Exercises what the examples do not: nullable refs and arrays, object fields, query enums/arrays/bounds, DELETE, 402/429, collisions with Page/Problem names. */
const synthetic: Plan = {
  planVersion: 1,
  name: 'lab',
  summary: 'Synthetic plan covering every field feature the OpenAPI renderer handles.',
  auth: { kind: 'jwt', defaultScopes: ['lab:read'] },
  services: [
    {
      name: 'lab-bench',
      description: 'A service with every kind of field.',
      api: { style: 'rest', basePath: '/api/v2' },
      models: [
        { name: 'Problem', description: 'A model named like the error schema.', fields: [{ name: 'code', type: 'string', required: true }] },
        { name: 'Tag', fields: [{ name: 'label', type: 'string', required: true, maxLength: 30 }] },
        {
          name: 'Sample',
          fields: [
            { name: 'id', type: 'string', format: 'uuid', required: true },
            { name: 'tags', type: 'Tag', array: true },
            { name: 'primary', type: 'Tag', nullable: true },
            { name: 'aliases', type: 'string', array: true, nullable: true },
            { name: 'kind', type: 'string', enum: ['a', 'b'], nullable: true, description: 'the kind' },
            { name: 'weight', type: 'number', minimum: 0, maximum: 1000 },
            { name: 'meta', type: 'object' },
            { name: 'active', type: 'boolean', required: true },
            { name: 'problem', type: 'Problem' },
          ],
        },
        { name: 'SamplePage', fields: [{ name: 'x', type: 'string' }] },
      ],
      operations: [
        {
          id: 'listSamples',
          method: 'get',
          path: '/samples',
          summary: 'List samples',
          query: [
            { name: 'kind', type: 'string', enum: ['a', 'b'], required: true },
            { name: 'minWeight', type: 'number', minimum: 0 },
            { name: 'label', type: 'string', array: true },
          ],
          response: { status: 200, model: 'Sample', paginated: true },
          errors: [429],
          auth: 'public',
        },
        { id: 'deleteSample', method: 'delete', path: '/samples/{sampleId}', summary: 'Delete', response: { status: 204 }, errors: [404, 412] },
        {
          id: 'buySample',
          method: 'post',
          path: '/samples/{sampleId}/tags/{tagLabel}',
          summary: 'Attach a tag',
          description: 'Longer description.',
          tags: ['tagging'],
          requestBody: 'Tag',
          response: { status: 202 },
          errors: [402, 503],
          scopes: ['lab:write', 'lab:admin'],
          idempotencyKey: true,
        },
        { id: 'root', method: 'get', path: '/', summary: 'Index', response: { status: 200, model: 'SamplePage' }, auth: 'public' },
      ],
    },
  ],
};

const cases: [string, () => Plan][] = [
  ['minimal', () => example('minimal')],
  ['shop', () => example('shop')],
  ['synthetic', () => validatePlan(synthetic, 'synthetic')],
];

let config: Config;
beforeAll(async () => {
  config = await createConfig({ extends: ['recommended'] });
});

describe('specFromPlan', () => {
  it.each(cases)('%s: every service spec passes redocly recommended with zero errors', async (name, load) => {
    const plan: NormalizedPlan = normalizePlan(load());
    for (const service of plan.services) {
      const text = specFromPlan(plan, service);
      const problems = await lintFromString({ source: text, absoluteRef: path.join(root, `${name}-${service.name}.yaml`), config });
      const errors = problems.filter((p) => p.severity === 'error');
      for (const w of problems.filter((p) => p.severity !== 'error')) console.log(`[lint warning] ${name}/${service.name}: ${w.ruleId}: ${w.message} at ${w.location[0]?.pointer}`);
      expect(errors.map((e) => `${e.ruleId}: ${e.message} at ${e.location[0]?.pointer}`)).toEqual([]);
    }
  });

  it.each(cases)('%s: same input, same bytes', (_name, load) => {
    const a = normalizePlan(load());
    const b = normalizePlan(structuredClone(load()));
    for (const [i, s] of a.services.entries()) expect(specFromPlan(a, s)).toBe(specFromPlan(b, b.services[i]!));
  });

  it.each(cases)('%s: the remembered document equals the YAML text parsed', (_name, load) => {
    const plan = normalizePlan(load());
    for (const s of plan.services) {
      const text = specFromPlan(plan, s);
      expect(renderedDocument(text)).toEqual(parse(text));
      expect(renderedDocument(`${text}# edited\n`)).toBeUndefined();
    }
  });

  it.each(cases)('%s: reads back with no warnings, and every route registers in Fastify', async (_name, load) => {
    const plan = normalizePlan(load());
    for (const s of plan.services) {
      const text = specFromPlan(plan, s);
      const api = readServiceApi(text, `services/${s.name}/openapi.yaml`, s);
      // Without the in-process memo too: the YAML text alone gives the same API.
      const fresh = readServiceApi(`${text}\n`, `services/${s.name}/openapi.yaml`, s);
      expect(fresh.operations).toEqual(api.operations);
      expect(api.warnings).toEqual([]);
      expect(api.operations.map((o) => o.handlerName).sort()).toEqual(s.operations.map((o) => o.id).sort());
      const app = await mountApi(api);
      await app.close();
    }
  });

  it('synthetic: nullable fields and refs, arrays and enums validate as declared', async () => {
    const plan = normalizePlan(validatePlan(synthetic, 'synthetic'));
    const s = plan.services[0]!;
    const doc = parse(specFromPlan(plan, s));
    const sample = doc.components.schemas.Sample.properties;
    expect(sample.primary).toEqual({ anyOf: [{ $ref: '#/components/schemas/Tag' }, { type: 'null' }] });
    expect(sample.aliases).toEqual({ type: ['array', 'null'], items: { type: 'string' } });
    expect(sample.kind).toEqual({ description: 'the kind', type: ['string', 'null'], enum: ['a', 'b', null] });
    expect(Object.keys(doc.components.schemas)).toEqual(['Problem', 'Tag', 'Sample', 'SamplePage', 'SamplePage2', 'ProblemFieldError', 'Problem2']);
    expect(doc.paths['/api/v2/samples'].get.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/SamplePage2' });
    const app = await mountApi(readServiceApi(specFromPlan(plan, s), 'lab.yaml', s));
    try {
      const cases: [string, string, number][] = [
        ['enum and array query', '/api/v2/samples?kind=a&label=x&label=y&minWeight=0.5', 200],
        ['missing required query', '/api/v2/samples', 400],
        ['enum violated', '/api/v2/samples?kind=c', 400],
        ['below minimum', '/api/v2/samples?kind=a&minWeight=-1', 400],
      ];
      for (const [name, url, status] of cases) expect((await app.inject({ method: 'GET', url })).statusCode, name).toBe(status);
      const post = (payload: unknown) => app.inject({ method: 'POST', url: '/api/v2/samples/s1/tags/t1', payload: payload as object });
      expect((await post({ label: 'ok' })).statusCode).toBe(200);
      expect((await post({ label: 'x'.repeat(31) })).statusCode).toBe(400);
    } finally {
      await app.close();
    }
  });
});
