import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createConfig, lintFromString, type Config } from '@redocly/openapi-core';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { normalizePlan, type NormalizedPlan } from '../../src/plan/normalize.js';
import { validatePlan } from '../../src/plan/validate.js';
import type { Plan } from '../../src/plan/schema.js';
import { renderedDocument, specFromPlan } from '../../src/openapi/from-plan.js';

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
});
