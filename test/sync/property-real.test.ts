/**
 * The sync property on the real pipeline (examples/minimal.json and every generator):
 * fewer sequences than property.test.ts, because a real render costs ~150 ms. Same
 * invariants: no user line lost, every file with markers named in the report.
 */
import { afterAll, expect, it } from 'vitest';
import fc from 'fast-check';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { loadPlanFile } from '../../src/plan/load.js';
import type { Plan } from '../../src/plan/schema.js';
import { hasConflictMarkers } from '../../src/sync/merge/types.js';
import { syncRepo } from '../../src/sync/repo.js';
import { generatedExample, read, removeDir, write } from './helpers.js';

const RUNS = Number(process.env.SYNC_PROPERTY_REAL_RUNS ?? 20);
const SEED = Number(process.env.SYNC_PROPERTY_SEED ?? 20261124);
const SPEC = 'services/notes/openapi.yaml';
const HANDLERS = 'services/notes/src/handlers/notes.ts';
const EDITABLE = ['services/notes/README.md', 'docs/ARCHITECTURE.md', 'services/notes/src/generated/routes.ts', 'services/notes/src/config.ts', 'docker-compose.yml'];

type Cmd =
  | { k: 'specAddOp' }
  | { k: 'specRemoveOp'; i: number }
  | { k: 'specRenameOp'; i: number }
  | { k: 'specAddField' }
  | { k: 'planAddOp' }
  | { k: 'userHandlerBody'; i: number }
  | { k: 'userFile'; f: number; line: number }
  | { k: 'sync' };

const nat = fc.nat({ max: 40 });
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.constant<Cmd>({ k: 'specAddOp' }),
  fc.record({ k: fc.constant('specRemoveOp' as const), i: nat }),
  fc.record({ k: fc.constant('specRenameOp' as const), i: nat }),
  fc.constant<Cmd>({ k: 'specAddField' }),
  fc.constant<Cmd>({ k: 'planAddOp' }),
  fc.record({ k: fc.constant('userHandlerBody' as const), i: nat }),
  fc.record({ k: fc.constant('userFile' as const), f: fc.nat({ max: EDITABLE.length - 1 }), line: nat }),
  { arbitrary: fc.constant<Cmd>({ k: 'sync' }), weight: 3 },
);

const repo = generatedExample('minimal', 'arch-prop-real-');

const stats = { sequences: 0, syncs: 0, tokens: 0, conflicts: 0 };
afterAll(() => console.log(`sync property (real pipeline): ${stats.sequences} sequences (seed ${SEED}), ${stats.syncs} syncs, ${stats.tokens} user lines tracked, ${stats.conflicts} syncs with conflicts`));

function operations(specText: string): { path: string; method: string; id: string }[] {
  const doc = parseDocument(specText).toJS() as { paths?: Record<string, Record<string, { operationId?: string }>> };
  return Object.entries(doc.paths ?? {}).flatMap(([p, item]) => Object.entries(item ?? {}).filter(([, o]) => o?.operationId).map(([m, o]) => ({ path: p, method: m, id: o.operationId! })));
}

async function runSequence(cmds: Cmd[]): Promise<void> {
  const dir = await repo.copy();
  const tokens: { file: string; token: string }[] = [];
  let n = 0;
  try {
    const sync = async () => {
      const { report } = await syncRepo(dir, await loadPlanFile(path.join(dir, 'arch.plan.json')));
      stats.syncs++;
      for (const t of tokens) expect(await read(dir, t.file), `${t.token} lost from ${t.file}`).toContain(t.token);
      const marked: string[] = [];
      for (const f of new Set([...EDITABLE, HANDLERS])) if (hasConflictMarkers(await read(dir, f))) marked.push(f);
      for (const f of marked) expect(report.conflicts).toContain(f);
      if (report.conflicts.length) stats.conflicts++;
    };
    const editSpec = async (edit: (doc: ReturnType<typeof parseDocument>, ops: ReturnType<typeof operations>) => void) => {
      const text = await read(dir, SPEC);
      const doc = parseDocument(text);
      edit(doc, operations(text));
      await write(dir, SPEC, doc.toString({ lineWidth: 0 }));
    };
    for (const c of [...cmds, { k: 'sync' } as Cmd]) {
      n++;
      switch (c.k) {
        case 'specAddOp':
          await editSpec((doc) => doc.setIn(['paths', `/v1/extra${n}`, 'get'], doc.createNode({ operationId: `extra${n}`, summary: 'Extra', responses: { '200': { description: 'OK', content: { 'application/json': { schema: { type: 'object', properties: { [`e${n}`]: { type: 'string' } } } } } } } })));
          break;
        case 'specRemoveOp':
          await editSpec((doc, ops) => {
            const op = ops[c.i % Math.max(1, ops.length)];
            if (op) doc.deleteIn(['paths', op.path, op.method]);
          });
          break;
        case 'specRenameOp':
          await editSpec((doc, ops) => {
            const op = ops[c.i % Math.max(1, ops.length)];
            if (op) doc.setIn(['paths', op.path, op.method, 'operationId'], `renamed${n}`);
          });
          break;
        case 'specAddField':
          await editSpec((doc) => doc.setIn(['components', 'schemas', 'Note', 'properties', `field${n}`], doc.createNode({ type: 'string' })));
          break;
        case 'planAddOp': {
          const p = JSON.parse(await read(dir, 'arch.plan.json')) as Plan;
          p.services[0]!.operations.push({ id: `planned${n}`, method: 'post', path: `/planned${n}`, summary: 'Planned', response: { status: 204 } });
          await write(dir, 'arch.plan.json', `${JSON.stringify(p, null, 2)}\n`);
          break;
        }
        case 'userHandlerBody': {
          const text = await read(dir, HANDLERS);
          const starts = [...text.matchAll(/^export async function \w+\([^\n]*\{\n/gm)];
          const m = starts[c.i % Math.max(1, starts.length)];
          if (!m) break;
          const at = m.index! + m[0].length;
          tokens.push({ file: HANDLERS, token: `user-${n}` });
          await write(dir, HANDLERS, `${text.slice(0, at)}  // user-${n}: my code\n${text.slice(at)}`);
          break;
        }
        case 'userFile': {
          const file = EDITABLE[c.f]!;
          const text = await read(dir, file);
          if (hasConflictMarkers(text)) break;
          const lines = text.split('\n');
          const at = c.line % lines.length;
          const line = file.endsWith('.ts') ? `// user-${n}` : file.endsWith('.yml') ? `# user-${n}` : `user-${n} was here.`;
          // A YAML comment in the middle of a block scalar would change a value, not add a line: only between top-level keys.
          if (file.endsWith('.yml') && at < lines.length && /^\s/.test(lines[at] ?? '')) break;
          lines.splice(at, 0, line);
          tokens.push({ file, token: `user-${n}` });
          await write(dir, file, lines.join('\n'));
          break;
        }
        case 'sync':
          await sync();
          break;
      }
    }
    stats.sequences++;
    stats.tokens += tokens.length;
  } finally {
    await removeDir(dir);
  }
}

it(`keeps every user line across ${RUNS} sequences on the real pipeline`, async () => {
  await fc.assert(fc.asyncProperty(fc.array(cmd, { minLength: 3, maxLength: 10 }), runSequence), { numRuns: RUNS, seed: SEED, endOnFailure: true });
  expect(stats.sequences).toBe(RUNS);
}, 300_000);
