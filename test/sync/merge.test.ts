import { describe, expect, it } from 'vitest';
import { mergeJson } from '../../src/sync/merge/json.js';
import { mergeYaml } from '../../src/sync/merge/yaml.js';
import { mergeText } from '../../src/sync/merge/text.js';
import { DEPRECATION_NOTE, STAND_IN_NOTE, mergeHandlers, mergeTypeScript } from '../../src/sync/merge/typescript.js';
import { mergeData, type Slot } from '../../src/sync/merge/values.js';
import { hasConflictMarkers } from '../../src/sync/merge/types.js';

const j = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

describe('mergeData (key-level three-way)', () => {
  it.each([
    ['user adds a key, generator changes another', { a: 1, b: 1 }, { a: 1, b: 1, mine: true }, { a: 2, b: 1 }, { a: 2, b: 1, mine: true }, []],
    ['generator removes a key the user left alone', { a: 1, b: 1 }, { a: 1, b: 1 }, { a: 1 }, { a: 1 }, []],
    ['user removes a key the generator left alone', { a: 1, b: 1 }, { a: 1 }, { a: 1, b: 1, c: 3 }, { a: 1, c: 3 }, []],
    ['both change one scalar differently', { a: 1 }, { a: 2 }, { a: 3 }, { a: 2 }, ['a']],
    ['scalar lists merge as sets', { l: ['x', 'y'] }, { l: ['x', 'y', 'mine'] }, { l: ['y', 'z'] }, { l: ['y', 'mine', 'z'] }, []],
    [
      'named lists merge item by item',
      { p: [{ name: 'a', in: 'query', required: false }] },
      { p: [{ name: 'a', in: 'query', required: false, description: 'mine' }] },
      { p: [{ name: 'a', in: 'query', required: true }, { name: 'b', in: 'path' }] },
      { p: [{ name: 'a', in: 'query', required: true, description: 'mine' }, { name: 'b', in: 'path' }] },
      [],
    ],
    ['deleted by one, changed by the other', { a: { x: 1 } }, {}, { a: { x: 2 } }, {}, ['a']],
  ])('%s', (_n, base, yours, generated, want, conflicts) => {
    const r = mergeData(base as Slot, yours as Slot, generated as Slot);
    expect(r.value).toEqual(want);
    expect(r.conflicts).toEqual(conflicts);
  });
});

describe('mergeJson', () => {
  it('merges package.json by key and keeps the user\'s indentation and key order', () => {
    const base = j({ name: 'svc', scripts: { build: 'tsc' }, dependencies: { fastify: '5.0.0' } });
    const yours = `{\n    "name": "svc",\n    "dependencies": {\n        "fastify": "5.0.0",\n        "zod": "4.0.0"\n    },\n    "scripts": {\n        "build": "tsc"\n    }\n}\n`;
    const generated = j({ name: 'svc', scripts: { build: 'tsc -p .', test: 'vitest' }, dependencies: { fastify: '5.12.8' } });
    const r = mergeJson(base, yours, generated);
    expect(r.conflict).toBe(false);
    expect(JSON.parse(r.content)).toEqual({ name: 'svc', dependencies: { fastify: '5.12.8', zod: '4.0.0' }, scripts: { build: 'tsc -p .', test: 'vitest' } });
    expect(r.content).toMatch(/^\{\n {4}"name"/);
  });

  it('a true conflict gets line markers naming both sides', () => {
    const r = mergeJson(j({ v: '1' }), j({ v: 'mine' }), j({ v: 'gen' }));
    expect(r.conflict).toBe(true);
    expect(r.content).toContain('<<<<<<< yours\n  "v": "mine"\n=======\n  "v": "gen"\n>>>>>>> generated');
    expect(r.notes.join()).toContain('v');
  });
});

describe('mergeYaml', () => {
  const base = `# compose\nservices:\n  api:\n    image: api:1\n    ports:\n      - "3000:3000"\n`;
  it('keeps the user\'s comments and additions while taking the generator\'s changes', () => {
    const yours = `# compose\nservices:\n  api:\n    image: api:1 # pinned by ops\n    ports:\n      - "3000:3000"\n      - "9229:9229" # debugger\n  redis: # mine\n    image: redis:7\n`;
    const generated = `# compose\nservices:\n  api:\n    image: api:1\n    ports:\n      - "3000:3000"\n    environment:\n      LOG_LEVEL: info\n`;
    const r = mergeYaml(base, yours, generated);
    expect(r.conflict).toBe(false);
    expect(r.content).toContain('image: api:1 # pinned by ops');
    expect(r.content).toContain('- "9229:9229" # debugger');
    // The yaml library moves a comment after `key:` onto the next line; it is kept.
    expect(r.content).toContain('# mine');
    expect(r.content).toContain('LOG_LEVEL: info');
  });

  it('numeric and quoted keys are the same key (OpenAPI response codes)', () => {
    const b = `responses:\n  "200":\n    description: ok\n`;
    const y = `responses:\n  200: # mine\n    description: ok\n`;
    const g = `responses:\n  "200":\n    description: fine\n  "404":\n    description: missing\n`;
    const r = mergeYaml(b, y, g);
    expect(r.content).toBe(`responses:\n  200:\n    # mine\n    description: fine\n  "404":\n    description: missing\n`);
  });

  it('conflicts fall back to markers', () => {
    const r = mergeYaml('a: 1\n', 'a: 2\n', 'a: 3\n');
    expect(r.conflict).toBe(true);
    expect(hasConflictMarkers(r.content)).toBe(true);
  });

  it('unparseable YAML on disk: merged line by line', () => {
    const r = mergeYaml('a: 1\nx: 0\nb: 1\n', 'a: [1\nx: 0\nb: 1\n', 'a: 1\nx: 0\nb: 2\n');
    expect(r.content).toBe('a: [1\nx: 0\nb: 2\n');
    expect(r.notes.join()).toMatch(/not valid YAML/);
  });
});

describe('mergeText', () => {
  it('adopting a file with no base puts each differing run in markers', () => {
    const r = mergeText('', 'a\nmine\n', 'a\ngen\n');
    expect(r.conflict).toBe(true);
    expect(r.content).toContain('<<<<<<< yours');
  });
});

describe('mergeTypeScript (generated files, by symbol)', () => {
  const base = `import { a } from './a.js';\n\nexport function one() {\n  return 1;\n}\n\nexport function two() {\n  return 2;\n}\n`;
  it('user edits one function, the generator another and adds a third plus an import', async () => {
    const yours = base.replace('return 1;', 'return 1; // tuned');
    const generated = `import { a, b } from './a.js';\n\nexport function one() {\n  return 1;\n}\n\nexport function two() {\n  return b(2);\n}\n\nexport function three() {\n  return 3;\n}\n`;
    const r = await mergeTypeScript('x.ts', base, yours, generated);
    expect(r.conflict).toBe(false);
    expect(r.content).toBe(`import { a, b } from './a.js';\n\nexport function one() {\n  return 1; // tuned\n}\n\nexport function two() {\n  return b(2);\n}\n\nexport function three() {\n  return 3;\n}\n`);
  });

  it('both add different functions at the end: no conflict (diff3 alone would have one)', async () => {
    const yours = `${base}\nexport function mine() {}\n`;
    const generated = `${base}\nexport function theirs() {}\n`;
    expect(mergeText(base, yours, generated).conflict).toBe(true);
    const r = await mergeTypeScript('x.ts', base, yours, generated);
    expect(r.conflict).toBe(false);
    expect(r.content).toContain('export function mine() {}');
    expect(r.content).toContain('export function theirs() {}');
  });

  it('both change the same line of one function: markers around that function only', async () => {
    const yours = base.replace('return 2;', 'return 22;');
    const generated = base.replace('return 2;', 'return 222;').replace('return 1;', 'return 11;');
    const r = await mergeTypeScript('x.ts', base, yours, generated);
    expect(r.conflict).toBe(true);
    expect(r.content).toContain('return 11;');
    expect(r.content).toContain('<<<<<<< yours');
    expect(r.content).toContain('return 22;');
    expect(r.content).toContain('return 222;');
    expect(r.notes.join()).toContain('two');
  });
});

describe('mergeHandlers (scaffolded, additive)', () => {
  const base = `import type { Handlers } from '../types.js';\nimport { notImplemented } from '../problem.js';\n\n/** GET /notes */\nexport async function listNotes(): Promise<unknown> {\n  return notImplemented('listNotes');\n}\n\nexport async function getNote(): Promise<unknown> {\n  return notImplemented('getNote');\n}\n`;
  const yours = base
    .replace("return notImplemented('listNotes');", 'return db.all(); // my code')
    .replace("import { notImplemented } from '../problem.js';", "import { notImplemented } from '../problem.js';\nimport { db } from '../db.js';");

  it('adds the new operation with its imports, keeps bodies byte for byte, deprecates the removed one', async () => {
    const generated = `import type { Handlers } from '../types.js';\nimport { notImplemented, badRequest } from '../problem.js';\nimport { z } from 'zod';\n\n/** GET /notes */\nexport async function listNotes(): Promise<unknown> {\n  return notImplemented('listNotes');\n}\n\n/** POST /notes */\nexport async function createNote(input: unknown): Promise<unknown> {\n  z.string();\n  return badRequest('createNote');\n}\n`;
    const r = await mergeHandlers('h.ts', base, yours, generated);
    expect(r.conflict).toBe(false);
    // Every line of the user's file is still there, in order.
    const lines = r.content.split('\n');
    let i = 0;
    for (const line of yours.split('\n')) {
      const at = lines.indexOf(line, i);
      expect(at, line).toBeGreaterThanOrEqual(i);
      i = at + 1;
    }
    expect(r.content).toContain("import { db } from '../db.js';\nimport { badRequest } from '../problem.js';");
    expect(r.content).toContain("import { z } from 'zod';");
    expect(r.content).toContain('/** POST /notes */\nexport async function createNote(input: unknown)');
    expect(r.content).toContain(`/** ${DEPRECATION_NOTE} */\nexport async function getNote()`);
    expect(r.notes.join(' ')).toMatch(/getNote kept and marked @deprecated/);
    expect(r.notes.join(' ')).toMatch(/added createNote/);
    // Idempotent: merging the result again adds nothing.
    const again = await mergeHandlers('h.ts', generated, r.content, generated);
    expect(again.content).toBe(r.content);
  });

  it('adds @deprecated inside an existing JSDoc and removes it when the operation returns', async () => {
    const generated = `import type { Handlers } from '../types.js';\nimport { notImplemented } from '../problem.js';\n\nexport async function getNote(): Promise<unknown> {\n  return notImplemented('getNote');\n}\n`;
    const r = await mergeHandlers('h.ts', base, yours, generated);
    expect(r.content).toContain(`/** GET /notes\n * ${DEPRECATION_NOTE}\n */\nexport async function listNotes()`);
    const back = await mergeHandlers('h.ts', generated, r.content, base);
    expect(back.content).toBe(yours);
  });

  it('types of a removed operation become stand-ins so the kept handler compiles; they go when it returns', async () => {
    const fn = (n: string) => `export async function ${n.toLowerCase()}(): Promise<${n}Result> {\n  throw new Error('${n}');\n}\n`;
    const render = (ops: string[]) => `import type { ${ops.map((o) => `${o}Result`).join(', ')} } from '../types.js';\n\n${ops.map(fn).join('\n')}`;
    const base = render(['A', 'B']);
    const yours = base.replace("throw new Error('B');", "return { mine: true } as BResult;");
    const without = render(['A']);
    const r = await mergeHandlers('h.ts', base, yours, without);
    expect(r.content).toContain("import type { AResult } from '../types.js';");
    expect(r.content).toContain(`/** ${STAND_IN_NOTE} */\ntype BResult = any;`);
    expect(r.content).toContain("return { mine: true } as BResult;");
    expect(r.notes.join(' ')).toMatch(/stand-ins: BResult/);
    const back = await mergeHandlers('h.ts', without, r.content, base);
    expect(back.content).not.toContain(STAND_IN_NOTE);
    expect(back.content).not.toContain(DEPRECATION_NOTE);
    expect(back.content).toContain("import type { BResult } from '../types.js';");
    expect(back.content).toContain("return { mine: true } as BResult;");
  });

  it('an index of re-exports gains the new module', async () => {
    const r = await mergeHandlers('index.ts', "export * from './a.js';\n", "export * from './a.js';\n// mine\n", "export * from './a.js';\nexport * from './b.js';\n");
    expect(r.content).toBe("export * from './a.js';\n// mine\n\nexport * from './b.js';\n");
  });

  it('a handler file that does not parse is left alone with a note', async () => {
    const r = await mergeHandlers('h.ts', base, 'export function (', base + 'export function x() {}\n');
    expect(r.content).toBe('export function (');
    expect(r.notes.join()).toMatch(/does not parse/);
  });
});
