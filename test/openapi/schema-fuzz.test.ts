/**
 * Property test: any Schema Object, however malformed (keywords with values of the wrong
 * type, unknown types, bad patterns, dangling refs, 3.0 and 3.1 mixed), converts to a
 * JSON Schema that Ajv compiles with the options Fastify 5 uses plus `strict: false`
 * (src/openapi/model.ts), and the conversion never throws.
 */
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { schemaConverter } from '../../src/openapi/json-schema.js';
import { COMPONENTS_SCHEMA_ID, SERVER_AJV_OPTIONS } from '../../src/openapi/model.js';

const KEYWORDS = [
  'type', 'format', 'enum', 'const', 'nullable', 'required', 'properties', 'items', 'prefixItems', 'additionalProperties', 'allOf', 'anyOf', 'oneOf', 'not',
  'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'minLength', 'maxLength', 'pattern', 'minItems', 'maxItems', 'uniqueItems',
  'patternProperties', 'dependentRequired', 'dependencies', 'discriminator', 'example', 'examples', 'xml', 'readOnly', 'default', '$ref', 'x-ext', 'if', 'then', 'else',
];
const scalar = fc.oneof(
  fc.constantFrom('string', 'integer', 'number', 'object', 'array', 'null', 'boolean', 'file', 'int64', 'uuid', 'date-time', '^[a-z]+$', '[', '#/components/schemas/A', '#/components/schemas/Nope', 'x.yaml#/A', '#/paths'),
  fc.integer({ min: -5, max: 5 }),
  fc.double({ noNaN: false }),
  fc.boolean(),
  fc.constant(null),
);
const { schema } = fc.letrec((tie) => ({
  schema: fc.dictionary(fc.constantFrom(...KEYWORDS), fc.oneof({ depthSize: 'small' }, scalar, fc.array(fc.oneof(scalar, tie('schema')), { maxLength: 3 }), tie('schema'), fc.dictionary(fc.string({ maxLength: 4 }), tie('schema'), { maxKeys: 3, noNullPrototype: true })), { maxKeys: 5, noNullPrototype: true }),
}));

// ajv-formats is CommonJS (module.exports is the plugin); NodeNext types its default import as the module namespace.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function serverAjv(): Ajv {
  // Fastify 5's defaults (@fastify/ajv-compiler) plus the options the model documents.
  const ajv = new Ajv({ coerceTypes: 'array', useDefaults: true, removeAdditional: true, addUsedSchema: false, allErrors: false, ...SERVER_AJV_OPTIONS, logger: false });
  addFormats(ajv);
  return ajv;
}

describe('schema conversion on arbitrary Schema Objects', () => {
  it('never throws, and Ajv compiles the result', () => {
    fc.assert(
      fc.property(schema, schema, (given, component) => {
        const document = { openapi: '3.0.3', components: { schemas: { A: component } } };
        const convert = schemaConverter({ document, componentNames: new Set(['A']), warn: () => {} });
        const ajv = serverAjv();
        ajv.addSchema({ $id: COMPONENTS_SCHEMA_ID, definitions: { A: convert(component, ['components', 'schemas', 'A']) } });
        const out = convert(given, ['x']);
        expect(() => ajv.compile(out)).not.toThrow();
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 500), seed: Number(process.env.FUZZ_SEED ?? 20261124) },
    );
  });
});
