import { describe, expect, it } from 'vitest';
import { renderSystem, renderSpecs } from '../../src/render/pipeline.js';
import { normalizePlan } from '../../src/plan/normalize.js';
import { validatePlan } from '../../src/plan/validate.js';
import { assertSafeRelativePath } from '../../src/render/tree.js';
import { formatFile } from '../../src/render/format.js';
import { example } from '../helpers/plans.js';

describe('renderSystem', () => {
  it('keeps a user-edited openapi.yaml byte for byte (no reformatting of their text)', async () => {
    const plan = validatePlan(example('minimal'));
    const spec = renderSpecs(normalizePlan(plan)).get('notes')!;
    const edited = spec.replace('paths:', '# my notes  \n\n\n\npaths:').replace(/description: (.*)/, 'description: |\n    line one   \n\n\n    line two');
    const { tree } = await renderSystem(plan, { specTexts: new Map([['notes', edited]]) });
    expect(tree.get('services/notes/openapi.yaml')!.content).toBe(edited);
  });

  it('renders the same bytes twice', async () => {
    const plan = validatePlan(example('shop'));
    const a = await renderSystem(plan);
    const b = await renderSystem(plan);
    expect([...a.tree.keys()]).toEqual([...b.tree.keys()]);
    for (const [p, f] of a.tree) expect(b.tree.get(p)!.content, p).toBe(f.content);
  });

  it('every path stays inside the target', async () => {
    const { tree } = await renderSystem(validatePlan(example('shop')));
    for (const p of tree.keys()) expect(() => assertSafeRelativePath(p)).not.toThrow();
  });
});

describe('assertSafeRelativePath', () => {
  it.each(['../x', '/etc/passwd', 'a/../../b', 'a//b', 'a\\b', 'C:/x', '', 'a/./b', 'x\0y'])('refuses %j', (p) => {
    expect(() => assertSafeRelativePath(p)).toThrow(/outside the target/);
  });
});

describe('formatFile', () => {
  it.each([
    ['a.ts', 'a  \r\nb\n\n\n\nc', 'a\nb\n\nc\n'],
    ['a.json', '{"b":1,"a":[1]}', '{\n  "b": 1,\n  "a": [\n    1\n  ]\n}\n'],
    ['a.md', '\n\nx\n\n\n', 'x\n'],
  ])('%s', (file, input, output) => expect(formatFile(file, input)).toBe(output));
});
