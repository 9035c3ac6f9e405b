import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { loadPlanFile, parseDocumentText } from '../../src/plan/load.js';
import { planJsonSchema } from '../../src/plan/schema.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'cas-load-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('parseDocumentText', () => {
  it.each([
    ['bad.json', '{\n  "a": 1,\n  "b": \n}', 4, /malformed JSON/],
    ['bad.yaml', 'a: 1\nb: [1, 2\nc: 3\n', undefined, /malformed YAML/],
    ['dup.yaml', 'a: 1\na: 2\n', 2, /malformed YAML/],
  ])('%s points at the line', (file, text, line, message) => {
    try {
      parseDocumentText(text, file);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(InputError);
      const e = err as InputError;
      expect(e.exitCode).toBe(2);
      expect(e.problems[0]!.message).toMatch(message);
      if (line !== undefined) expect(e.problems[0]!.line).toBe(line);
      else expect(e.problems[0]!.line).toBeGreaterThan(0);
      expect(e.message).toContain(file);
    }
  });
});

describe('loadPlanFile', () => {
  it('names the file and every JSON path for an invalid plan', async () => {
    const file = path.join(tmp, 'p.json');
    writeFileSync(file, JSON.stringify({ planVersion: 1, name: 'Bad Name', summary: 's', services: [] }));
    await expect(loadPlanFile(file)).rejects.toThrow(/p\.json: invalid architecture plan[\s\S]*\$\.name[\s\S]*\$\.services/);
  });
  it('reads YAML plans too', async () => {
    const file = path.join(tmp, 'p.yaml');
    writeFileSync(file, 'planVersion: 1\nname: demo\nsummary: s\nservices:\n  - name: a\n    description: d\n    operations: []\n');
    expect((await loadPlanFile(file)).name).toBe('demo');
  });
  it('says when the file is missing', async () => {
    await expect(loadPlanFile(path.join(tmp, 'none.json'))).rejects.toThrow(/not found/);
  });
});

describe('planJsonSchema', () => {
  it('is a JSON Schema with every top-level section of the plan', () => {
    const schema = planJsonSchema() as { properties: Record<string, unknown>; required: string[] };
    for (const key of ['services', 'events', 'broker', 'auth', 'resilience', 'observability', 'decisions', 'recommendations', 'followUps', 'boundedContexts', 'summary', 'apiDesign'])
      expect(schema.properties).toHaveProperty(key);
    expect(schema.required).toEqual(expect.arrayContaining(['planVersion', 'name', 'summary', 'services']));
  });
});

describe('hostile YAML', () => {
  it('an alias bomb is refused with an input error, not expanded', () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 0; i < 8; i++) lines.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`);
    expect(() => parseDocumentText(lines.join('\n'), 'bomb.yaml')).toThrow(InputError);
  });
});
