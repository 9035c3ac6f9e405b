/**
 * Property test for the sync engine (issue 5, Done when): random sequences of
 *   - spec edits by the user (add, remove, rename operations; add or change fields),
 *   - plan edits (the generator side: new operations and fields flow into the spec),
 *   - user edits to handler bodies, to generated files and to docker-compose.yml,
 *   - conflict resolutions and syncs,
 * and after every sync: no user-written line is lost (it is in its file, possibly inside
 * conflict markers, and every file holding markers is named in the report's conflicts),
 * and when nothing is in conflict the TypeScript type-checks.
 *
 * The real engine, the real spec reconciliation and the real merges run every step; the
 * renderer is a small stand-in with the same shape as the real service generators (spec
 * -> generated types, routes, a scaffolded handler file, README, compose), because the
 * real one (openapi-typescript and friends) costs ~150 ms per sync and 500 sequences
 * would take minutes. Type-checking runs on a sample of syncs (every SAMPLE-th clean one)
 * with the TypeScript compiler API, in memory.
 */
import { afterAll, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import ts from 'typescript';
import { parse as parseYaml, parseDocument, stringify } from 'yaml';
import type { RenderedTree } from '../../src/render/tree.js';
import type { SyncReport } from '../../src/sync/engine.js';
import { hasConflictMarkers } from '../../src/sync/merge/types.js';
import { syncSpecsAndTree } from '../../src/sync/repo.js';
import { removeDir, tempDir } from './helpers.js';

const RUNS = Number(process.env.SYNC_PROPERTY_RUNS ?? 500);
const SEED = Number(process.env.SYNC_PROPERTY_SEED ?? 20261124);
const SAMPLE = Number(process.env.SYNC_PROPERTY_TYPECHECK_EVERY ?? 4);

const SVC = 'svc';
const SPEC = `services/${SVC}/openapi.yaml`;
const HANDLERS = `services/${SVC}/src/handlers/${SVC}.ts`;
const TYPES = `services/${SVC}/src/generated/types.ts`;
const ROUTES = `services/${SVC}/src/generated/routes.ts`;
const README = `services/${SVC}/README.md`;
const COMPOSE = 'docker-compose.yml';
const TS_FILES = [HANDLERS, TYPES, ROUTES];

type FieldType = 'string' | 'integer';
interface Op {
  id: string;
  method: 'get' | 'post';
  path: string;
  fields: Record<string, FieldType>;
}

const pascal = (id: string) => id[0]!.toUpperCase() + id.slice(1);

function specFromOps(ops: Op[]): string {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of ops) {
    paths[op.path] ??= {};
    const properties = Object.fromEntries(Object.entries(op.fields).map(([k, t]) => [k, { type: t }]));
    paths[op.path]![op.method] = {
      operationId: op.id,
      responses: { '200': { description: 'OK', content: { 'application/json': { schema: { type: 'object', properties } } } } },
    };
  }
  return stringify({ openapi: '3.1.0', info: { title: SVC, version: '1.0.0' }, paths });
}

/** The spec's operations, as the stand-in generator reads them. */
function opsOfSpec(text: string): Op[] {
  const doc = parseYaml(text) as { paths?: Record<string, Record<string, { operationId?: string; responses?: Record<string, any> }>> };
  const ops: Op[] = [];
  for (const [p, item] of Object.entries(doc.paths ?? {})) {
    for (const [method, o] of Object.entries(item ?? {})) {
      if (!o?.operationId || (method !== 'get' && method !== 'post')) continue;
      const props = o.responses?.['200']?.content?.['application/json']?.schema?.properties ?? {};
      const fields = Object.fromEntries(Object.entries(props as Record<string, { type?: string }>).map(([k, v]) => [k, v.type === 'integer' ? 'integer' : 'string'])) as Record<string, FieldType>;
      ops.push({ id: o.operationId, method, path: p, fields });
    }
  }
  return ops.sort((a, b) => (a.id < b.id ? -1 : 1));
}

function renderFrom(specTexts: Map<string, string>): RenderedTree {
  const ops = opsOfSpec(specTexts.get(SVC)!);
  const tree: RenderedTree = new Map();
  const add = (p: string, content: string, owner: 'generated' | 'scaffolded' | 'merged') => tree.set(p, { path: p, content, owner, generator: 'fake' });
  const imports = ops.length ? `import type { ${ops.map((o) => `${pascal(o.id)}Result`).join(', ')} } from '../generated/types.js';\n\n` : '';
  add(
    HANDLERS,
    `// Yours: sync only adds to this file.\n${imports}${ops
      .map((o) => `/** ${o.method.toUpperCase()} ${o.path} */\nexport async function ${o.id}(): Promise<${pascal(o.id)}Result> {\n  throw new Error('not implemented: ${o.id}');\n}\n`)
      .join('\n')}`,
    'scaffolded',
  );
  add(
    TYPES,
    `// Generated from openapi.yaml.\n${ops
      .map((o) => `\nexport interface ${pascal(o.id)}Result {\n${Object.entries(o.fields).map(([k, t]) => `  ${k}: ${t === 'integer' ? 'number' : 'string'};\n`).join('')}}\n`)
      .join('')}`,
    'generated',
  );
  add(
    ROUTES,
    `import * as handlers from '../handlers/${SVC}.js';\n\nexport const routes = [\n${ops.map((o) => `  { id: '${o.id}', method: '${o.method.toUpperCase()}', url: '${o.path}', handler: handlers.${o.id} },\n`).join('')}];\n`,
    'generated',
  );
  add(README, `# ${SVC}\n\nOperations:\n\n${ops.map((o) => `- ${o.method.toUpperCase()} ${o.path}: ${o.id}\n`).join('')}`, 'generated');
  add(COMPOSE, stringify({ services: { [SVC]: { image: `${SVC}:1`, environment: { OPERATIONS: String(ops.length) }, ports: ['3000:3000'] } } }), 'merged');
  return tree;
}

// ---- type-checking in memory, lib files parsed once ----
const require = createRequire(import.meta.url);
const libDir = path.dirname(require.resolve('typescript/lib/lib.es2022.d.ts'));
const libCache = new Map<string, ts.SourceFile>();
const options: ts.CompilerOptions = { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, lib: ['lib.es2022.d.ts'], types: [], skipLibCheck: true };
function typeCheck(files: Map<string, string>): string[] {
  const host = ts.createCompilerHost(options);
  const root = '/repo/';
  host.getSourceFile = (name, lang) => {
    if (name.startsWith(root)) {
      const text = files.get(name.slice(root.length));
      return text === undefined ? undefined : ts.createSourceFile(name, text, lang);
    }
    let sf = libCache.get(name);
    if (!sf) {
      const text = ts.sys.readFile(name);
      if (text === undefined) return undefined;
      sf = ts.createSourceFile(name, text, lang);
      libCache.set(name, sf);
    }
    return sf;
  };
  host.getDefaultLibLocation = () => libDir;
  host.fileExists = (name) => (name.startsWith(root) ? files.has(name.slice(root.length)) : ts.sys.fileExists(name));
  host.readFile = (name) => (name.startsWith(root) ? files.get(name.slice(root.length)) : ts.sys.readFile(name));
  host.getCurrentDirectory = () => '/repo';
  host.directoryExists = (d) => (d.startsWith('/repo') ? [...files.keys()].some((f) => `${root}${f}`.startsWith(d.endsWith('/') ? d : `${d}/`)) : ts.sys.directoryExists(d));
  host.realpath = (p) => p;
  const program = ts.createProgram([...files.keys()].map((f) => root + f), options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

// ---- commands ----
type Cmd =
  | { k: 'planAddOp'; method: 'get' | 'post'; field: FieldType }
  | { k: 'planAddField'; i: number; type: FieldType }
  | { k: 'specAddOp'; method: 'get' | 'post' }
  | { k: 'specRemoveOp'; i: number }
  | { k: 'specRenameOp'; i: number }
  | { k: 'specAddField'; i: number; type: FieldType }
  | { k: 'specChangeField'; i: number }
  | { k: 'userHandlerBody'; i: number }
  | { k: 'userGenerated'; file: 0 | 1 | 2; line: number }
  | { k: 'userCompose'; variant: 0 | 1 | 2 }
  | { k: 'resolve' }
  | { k: 'sync' };

const nat = fc.nat({ max: 50 });
const ftype = fc.constantFrom<FieldType>('string', 'integer');
const method = fc.constantFrom<'get' | 'post'>('get', 'post');
const w = <T,>(arbitrary: fc.Arbitrary<T>) => ({ arbitrary, weight: 1 });
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({ k: fc.constant('planAddOp' as const), method, field: ftype }),
  fc.record({ k: fc.constant('planAddField' as const), i: nat, type: ftype }),
  fc.record({ k: fc.constant('specAddOp' as const), method }),
  fc.record({ k: fc.constant('specRemoveOp' as const), i: nat }),
  fc.record({ k: fc.constant('specRenameOp' as const), i: nat }),
  fc.record({ k: fc.constant('specAddField' as const), i: nat, type: ftype }),
  fc.record({ k: fc.constant('specChangeField' as const), i: nat }),
  fc.record({ k: fc.constant('userHandlerBody' as const), i: nat }),
  fc.record({ k: fc.constant('userGenerated' as const), file: fc.constantFrom<0 | 1 | 2>(0, 1, 2), line: nat }),
  fc.record({ k: fc.constant('userCompose' as const), variant: fc.constantFrom<0 | 1 | 2>(0, 1, 2) }),
  fc.record({ k: fc.constant('resolve' as const) }),
  // Syncs weigh more so that most sequences sync several times between edits.
  { arbitrary: fc.record({ k: fc.constant('sync' as const) }), weight: 4 },
);

const stats = { sequences: 0, syncs: 0, cleanSyncs: 0, conflicts: 0, typeChecks: 0, merges: 0, tokens: 0 };
afterAll(() => {
  console.log(`sync property: ${stats.sequences} sequences (seed ${SEED}), ${stats.syncs} syncs, ${stats.merges} merged files, ${stats.conflicts} syncs with conflicts, ${stats.tokens} user lines tracked, ${stats.typeChecks} type-checks (every ${SAMPLE}th clean sync)`);
});

async function runSequence(cmds: Cmd[]): Promise<void> {
  const dir = await tempDir('arch-prop-');
  let counter = 0;
  const planOps: Op[] = [
    { id: 'listItems', method: 'get', path: '/items', fields: { id: 'string' } },
    { id: 'createItem', method: 'post', path: '/items', fields: { id: 'string', name: 'string' } },
  ];
  const tokens: { file: string; token: string; kind?: number }[] = [];
  const abs = (rel: string) => path.join(dir, ...rel.split('/'));
  const readRel = (rel: string) => readFile(abs(rel), 'utf8');
  const writeRel = (rel: string, text: string) => writeFile(abs(rel), text);

  const sync = async (): Promise<SyncReport> => {
    const report = await syncSpecsAndTree(dir, { services: [SVC], render: () => new Map([[SVC, specFromOps(planOps)]]) }, async (specTexts) => renderFrom(specTexts), { planHash: JSON.stringify(planOps), generatorVersion: 'test' });
    stats.syncs++;
    stats.merges += report.counts.merge;
    // Invariant 1: every user line is still in its file (in place or inside markers).
    const files = new Map<string, string>();
    for (const rel of [HANDLERS, TYPES, ROUTES, README, COMPOSE, SPEC]) files.set(rel, await readRel(rel));
    for (const t of tokens) expect(files.get(t.file), `${t.token} lost from ${t.file}`).toContain(t.token);
    // Invariant 2: every file holding markers is named in the report.
    const marked = [...files].filter(([, text]) => hasConflictMarkers(text)).map(([p]) => p).sort();
    expect(report.conflicts.slice().sort()).toEqual(marked);
    if (marked.length) stats.conflicts++;
    // Invariant 3: without conflicts, the TypeScript type-checks (sampled).
    else if (stats.cleanSyncs++ % SAMPLE === 0) {
      stats.typeChecks++;
      const diagnostics = typeCheck(new Map(TS_FILES.map((f) => [f, files.get(f)!])));
      expect(diagnostics, [...TS_FILES.map((f) => `--- ${f}\n${files.get(f)}`)].join('\n')).toEqual([]);
    }
    return report;
  };

  const editSpec = async (edit: (doc: ReturnType<typeof parseDocument>, ops: Op[]) => void) => {
    const text = await readRel(SPEC);
    const doc = parseDocument(text);
    edit(doc, opsOfSpec(text));
    await writeRel(SPEC, doc.toString({ lineWidth: 0 }));
  };
  const fieldsPath = (op: Op) => ['paths', op.path, op.method, 'responses', '200', 'content', 'application/json', 'schema', 'properties'];

  try {
    await sync();
    for (const c of [...cmds, { k: 'sync' } as Cmd]) {
      const n = ++counter;
      switch (c.k) {
        case 'planAddOp':
          planOps.push({ id: `planOp${n}`, method: c.method, path: `/plan${n}`, fields: { [`f${n}`]: c.field } });
          break;
        case 'planAddField': {
          const op = planOps[c.i % planOps.length]!;
          op.fields[`p${n}`] = c.type;
          break;
        }
        case 'specAddOp':
          await editSpec((doc) => doc.setIn(['paths', `/mine${n}`, c.method], doc.createNode({ operationId: `mine${n}`, responses: { '200': { description: 'OK', content: { 'application/json': { schema: { type: 'object', properties: { [`m${n}`]: { type: 'string' } } } } } } } })));
          break;
        case 'specRemoveOp':
          await editSpec((doc, ops) => {
            const op = ops[c.i % Math.max(ops.length, 1)];
            if (op) doc.deleteIn(['paths', op.path, op.method]);
          });
          break;
        case 'specRenameOp':
          await editSpec((doc, ops) => {
            const op = ops[c.i % Math.max(ops.length, 1)];
            if (op) doc.setIn(['paths', op.path, op.method, 'operationId'], `renamed${n}`);
          });
          break;
        case 'specAddField':
          await editSpec((doc, ops) => {
            const op = ops[c.i % Math.max(ops.length, 1)];
            if (op) doc.setIn([...fieldsPath(op), `s${n}`], doc.createNode({ type: c.type }));
          });
          break;
        case 'specChangeField':
          await editSpec((doc, ops) => {
            const op = ops[c.i % Math.max(ops.length, 1)];
            const field = op && Object.keys(op.fields)[0];
            if (op && field) doc.setIn([...fieldsPath(op), field, 'type'], op.fields[field] === 'string' ? 'integer' : 'string');
          });
          break;
        case 'userHandlerBody': {
          const text = await readRel(HANDLERS);
          const starts = [...text.matchAll(/^export async function \w+\(\)[^\n]*\{\n/gm)];
          const m = starts[c.i % Math.max(starts.length, 1)];
          if (!m) break;
          const at = m.index! + m[0].length;
          const token = `user-${n}`;
          await writeRel(HANDLERS, `${text.slice(0, at)}  const u${n} = ${n}; void u${n}; // ${token}\n${text.slice(at)}`);
          tokens.push({ file: HANDLERS, token });
          break;
        }
        case 'userGenerated': {
          const file = [TYPES, ROUTES, README][c.file]!;
          const text = await readRel(file);
          if (hasConflictMarkers(text)) break; // the user resolves first (see 'resolve')
          const lines = text.split('\n');
          const at = c.line % lines.length; // before the final empty string: stays a line boundary
          const token = `user-${n}`;
          lines.splice(at, 0, file === README ? `Note ${token}.` : `// ${token}`);
          await writeRel(file, lines.join('\n'));
          tokens.push({ file, token });
          break;
        }
        case 'userCompose': {
          const text = await readRel(COMPOSE);
          if (hasConflictMarkers(text)) break;
          const token = `user-${n}`;
          let next = text;
          if (c.variant === 0) next = `${text.replace(/\n*$/, '\n')}x-${token}: keep # ${token}\n`;
          else if (c.variant === 1) next = text.replace(/image: \S+/, `image: ${SVC}:${token}`);
          else next = text.replace(/OPERATIONS: \S+/, `OPERATIONS: "${token}"`);
          if (next === text) break;
          await writeRel(COMPOSE, next);
          // Replacing a value replaces the user's own earlier value: only the newest counts.
          if (c.variant !== 0) for (let i = tokens.length - 1; i >= 0; i--) if (tokens[i]!.file === COMPOSE && tokens[i]!.kind === c.variant) tokens.splice(i, 1);
          tokens.push({ file: COMPOSE, token, kind: c.variant });
          break;
        }
        case 'resolve':
          // The user resolves every conflict by keeping their side.
          for (const file of [TYPES, ROUTES, README, COMPOSE, HANDLERS]) {
            const text = await readRel(file);
            if (!hasConflictMarkers(text)) continue;
            await writeRel(file, text.replace(/^<<<<<<< [^\n]*\n([\s\S]*?)^=======\n[\s\S]*?^>>>>>>> [^\n]*\n/gm, '$1'));
          }
          break;
        case 'sync':
          await sync();
          break;
      }
    }
    stats.tokens += tokens.length;
    stats.sequences++;
  } finally {
    await removeDir(dir);
  }
}

it(`keeps every user line across ${RUNS} random edit/sync sequences`, async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(cmd, { minLength: 2, maxLength: 14 }), async (cmds) => runSequence(cmds)),
    { numRuns: RUNS, seed: SEED, endOnFailure: true },
  );
  expect(stats.sequences).toBeGreaterThanOrEqual(RUNS);
}, 300_000);
