import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { jsonSchemaOutputFormat } from '@anthropic-ai/sdk/helpers/json-schema';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { normalizePlan } from '../../src/plan/normalize.js';
import { checkPlan } from '../../src/plan/validate.js';
import { MAX_OPTIONAL_PROPERTIES, fromWire, toWire, wireJsonSchema, wireSchemaStats } from '../../src/agent/wire-schema.js';

const examples = ['minimal', 'shop'].map((name) => ({
  name,
  plan: JSON.parse(readFileSync(path.join(import.meta.dirname, '../../examples', `${name}.json`), 'utf8')) as Record<string, unknown>,
}));

/** What goes out as output_config.format.schema: the SDK's own transform of our wire schema. */
function sentSchema() {
  return jsonSchemaOutputFormat(wireJsonSchema() as { type: 'object' }).schema as Record<string, unknown>;
}

describe('wire schema (what the model is held to)', () => {
  it('stays inside the documented structured-output limits', () => {
    const stats = wireSchemaStats(sentSchema());
    expect(stats.optional.length).toBeLessThanOrEqual(MAX_OPTIONAL_PROPERTIES);
    expect(stats.unions).toEqual([]);
  });

  it('uses no keyword structured outputs reject once the SDK has transformed it', () => {
    const unsupported = ['pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'maxItems', 'exclusiveMinimum', 'exclusiveMaximum', '$schema', '$ref', 'oneOf', 'not'];
    const found: string[] = [];
    // Walk schema nodes only (not property names such as the field model's own "maxLength").
    const walk = (node: Record<string, unknown>, at: string) => {
      for (const k of unsupported) if (k in node) found.push(`${at} ${k}`);
      if (typeof node.minItems === 'number' && node.minItems > 1) found.push(`${at} minItems ${node.minItems}`);
      if (node.type === 'object') {
        if (node.additionalProperties !== false) found.push(`${at} open object`);
        for (const [k, v] of Object.entries(node.properties as Record<string, Record<string, unknown>>)) walk(v, `${at}.${k}`);
      }
      if (node.items) walk(node.items as Record<string, unknown>, `${at}[]`);
    };
    walk(sentSchema(), '$');
    expect(found).toEqual([]);
  });

  it('leaves out what the tool fills itself', () => {
    const props = Object.keys((wireJsonSchema().properties as object) ?? {});
    expect(props).not.toContain('provenance');
    expect(props).not.toContain('$schema');
  });

  it('is deterministic', () => {
    expect(JSON.stringify(wireJsonSchema())).toBe(JSON.stringify(wireJsonSchema()));
  });

  it.each(examples)('round-trips the $name example: toWire conforms to the sent schema, fromWire gives the plan back', ({ plan }) => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const validate = ajv.compile(sentSchema());
    const wire = toWire(plan);
    expect(validate(wire), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    const { $schema: _drop, ...withoutSchema } = plan;
    const back = fromWire(wire);
    expect(checkPlan(back).ok).toBe(true);
    // toWire adds only "nothing" values: stripping them gives what stripping the plan gives
    // (fromWire also drops defaults the examples spell out, such as required: false).
    expect(back).toEqual(fromWire(withoutSchema));
    expect(normalizePlan(checkPlan(back).plan!).services.map((s) => s.port)).toEqual(normalizePlan(checkPlan(withoutSchema).plan!).services.map((s) => s.port));
  });

  const fixtures = readdirSync(path.join(import.meta.dirname, '../fixtures/agent')).filter((f) => f.endsWith('.answer.json'));
  it.each(fixtures)('fixture %s is an answer structured outputs could give (it conforms to the sent schema)', (file) => {
    const validate = new Ajv2020({ strict: false, allErrors: true }).compile(sentSchema());
    const value = JSON.parse(readFileSync(path.join(import.meta.dirname, '../fixtures/agent', file), 'utf8'));
    expect(validate(value), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
  });

  it.each([
    ['empty text is removed', { summary: 's', title: '' }, { summary: 's' }],
    ['empty lists are removed', { recommendations: [] }, {}],
    ['"" from an extended enum is removed', { services: [{ operations: [{ auth: '' }] }] }, { services: [{ operations: [{}] }] }],
    ['0 meaning "not set" is removed', { services: [{ port: 0 }] }, { services: [{}] }],
    ['a kept-optional 0 stays', { observability: { traceSampleRatio: 0 } }, { observability: { traceSampleRatio: 0 } }],
    ['critical: true is the default', { services: [{ dependsOn: [{ service: 'a', critical: true }] }] }, { services: [{ dependsOn: [{ service: 'a' }] }] }],
    ['critical: false is a decision', { services: [{ dependsOn: [{ service: 'a', critical: false }] }] }, { services: [{ dependsOn: [{ service: 'a', critical: false }] }] }],
    ['required keys keep empty values', { events: [{ consumers: [] }] }, { events: [{ consumers: [] }] }],
    ['unknown keys are left for validation', { services: [{ hacked: '' }] }, { services: [{ hacked: '' }] }],
  ])('fromWire: %s', (_name, wire, plan) => {
    expect(fromWire(wire)).toEqual(plan);
  });
});

