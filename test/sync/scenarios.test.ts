/**
 * The Done-when scenarios of issue 5 on a real render (examples/minimal.json, one
 * service): every test starts from a fresh copy of one generated repo.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { copyFile, cp } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { syncCommand } from '../../src/cli/commands/sync.js';
import { addCommand } from '../../src/cli/commands/add.js';
import { InputError } from '../../src/errors.js';
import { DEPRECATION_NOTE, STAND_IN_NOTE } from '../../src/sync/merge/typescript.js';
import { syncRepo } from '../../src/sync/repo.js';
import { loadPlanFile } from '../../src/plan/load.js';
import type { Plan } from '../../src/plan/schema.js';
import { exists, read, remove, removeDir, snapshot, tempDir, write } from './helpers.js';

const SPEC = 'services/notes/openapi.yaml';
const HANDLERS = 'services/notes/src/handlers/notes.ts';
const TYPES = 'services/notes/src/generated/openapi.ts';
const ROUTES = 'services/notes/src/generated/routes.ts';

let template: string;
let dir: string;
const quiet = () => undefined;

beforeAll(async () => {
  template = await tempDir('arch-sync-template-');
  await copyFile(path.resolve('examples/minimal.json'), path.join(template, 'arch.plan.json'));
  expect(await syncCommand([template], quiet)).toBe(0);
}, 120_000);
afterAll(async () => removeDir(template));
beforeEach(async () => {
  dir = await tempDir();
  await cp(template, dir, { recursive: true, preserveTimestamps: true });
});
afterEach(async () => removeDir(dir));

async function plan(): Promise<Plan> {
  return loadPlanFile(path.join(dir, 'arch.plan.json'));
}
async function editPlan(edit: (p: Plan) => void): Promise<void> {
  const p = JSON.parse(await read(dir, 'arch.plan.json')) as Plan;
  edit(p);
  await write(dir, 'arch.plan.json', `${JSON.stringify(p, null, 2)}\n`);
}
async function editSpec(edit: (doc: ReturnType<typeof parseDocument>) => void): Promise<void> {
  const doc = parseDocument(await read(dir, SPEC));
  edit(doc);
  await write(dir, SPEC, doc.toString({ lineWidth: 0 }));
}
/** The user's handler: a real body for listNotes. */
async function implementListNotes(): Promise<string> {
  const text = (await read(dir, HANDLERS)).replace("return notImplemented(reply, 'listNotes');", 'const items: never[] = []; // my implementation\n  return { items, nextCursor: null } as unknown as ListNotesResult;');
  await write(dir, HANDLERS, text);
  return text;
}
function functionText(source: string, name: string): string {
  const start = source.indexOf(`export async function ${name}(`);
  expect(start, name).toBeGreaterThanOrEqual(0);
  return source.slice(start, source.indexOf('\n}\n', start) + 2);
}
function actionOf(report: { files: { path: string; action: string; message?: string }[] }, p: string) {
  return report.files.find((f) => f.path === p);
}

describe('sync scenarios (examples/minimal.json)', () => {
  it('sync twice: the second writes nothing (no bytes, no mtimes)', async () => {
    const before = await snapshot(dir);
    const { report } = await syncRepo(dir, await plan());
    expect(report.written).toBe(0);
    expect(report.changed).toBe(0);
    expect(await snapshot(dir)).toEqual(before);
  });

  it('add an operation to openapi.yaml: a stub appears, existing bodies untouched', async () => {
    const mine = await implementListNotes();
    await editSpec((doc) =>
      doc.setIn(['paths', '/v1/notes/{noteId}/pin', 'post'], doc.createNode({
        operationId: 'pinNote',
        summary: 'Pin a note',
        parameters: [{ name: 'noteId', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '204': { description: 'Pinned' } },
      })),
    );
    const { report } = await syncRepo(dir, await plan());
    expect(actionOf(report, HANDLERS)).toMatchObject({ action: 'merge', message: expect.stringContaining('added pinNote') });
    const handlers = await read(dir, HANDLERS);
    expect(handlers).toContain('export async function pinNote(');
    for (const fn of ['listNotes', 'createNote', 'getNote', 'replaceNote', 'deleteNote']) expect(functionText(handlers, fn)).toBe(functionText(mine, fn));
    expect(await read(dir, ROUTES)).toContain('pinNote');
    expect(report.conflicts).toEqual([]);
  });

  it('remove an operation: the handler is reported and marked @deprecated, not deleted', async () => {
    const mine = await implementListNotes();
    await editSpec((doc) => doc.deleteIn(['paths', '/v1/notes', 'get']));
    const { report } = await syncRepo(dir, await plan());
    expect(actionOf(report, HANDLERS)!.message).toMatch(/listNotes kept and marked @deprecated/);
    const handlers = await read(dir, HANDLERS);
    expect(functionText(handlers, 'listNotes')).toBe(functionText(mine, 'listNotes'));
    expect(handlers).toContain(DEPRECATION_NOTE);
    // Its request/reply types left handler-types.ts: local stand-ins keep the file compiling.
    expect(handlers).toContain(`/** ${STAND_IN_NOTE} */\ntype ListNotesResult = any;`);
    expect(handlers).toContain("import type {\n  CreateNoteReply,\n  CreateNoteRequest,\n  CreateNoteResult,\n  DeleteNoteReply,");
    expect(handlers).not.toMatch(/import type \{[^}]*\bListNotesResult\b[^}]*\} from '\.\.\/generated\/handler-types\.js'/);
    expect(await read(dir, ROUTES)).not.toContain('listNotes');
    // The spec keeps the user's removal although the plan still lists the operation.
    expect(await read(dir, SPEC)).not.toContain('operationId: listNotes');
    const again = await syncRepo(dir, await plan());
    expect(again.report.written).toBe(0);
  });

  it('change a response field: generated types follow, the handler is left for the compiler to flag', async () => {
    const mine = await implementListNotes();
    await editSpec((doc) => {
      const props = ['components', 'schemas', 'Note', 'properties'];
      doc.setIn([...props, 'heading'], doc.getIn([...props, 'title']));
      doc.deleteIn([...props, 'title']);
      const required = doc.getIn(['components', 'schemas', 'Note', 'required']) as { items: { value: string }[] };
      for (const item of required.items) if (item.value === 'title') item.value = 'heading';
    });
    const { report } = await syncRepo(dir, await plan());
    expect(actionOf(report, TYPES)!.action).toBe('update');
    const types = await read(dir, TYPES);
    expect(types).toMatch(/heading: string/);
    expect(await read(dir, HANDLERS)).toBe(mine);
  });

  it('plan edits flow into the spec while the user\'s spec edits stay', async () => {
    await editSpec((doc) => doc.setIn(['info', 'description'], 'Described by me.'));
    await editPlan((p) => {
      p.services[0]!.operations.push({ id: 'archiveNote', method: 'post', path: '/notes/{noteId}/archive', summary: 'Archive a note', response: { status: 204 } });
    });
    const { report } = await syncRepo(dir, await plan());
    const spec = await read(dir, SPEC);
    expect(spec).toContain('Described by me.');
    expect(spec).toContain('operationId: archiveNote');
    expect(actionOf(report, SPEC)!.action).toBe('merge');
    expect(await read(dir, HANDLERS)).toContain('export async function archiveNote(');
    expect((await syncRepo(dir, await plan())).report.written).toBe(0);
  });

  it('rename a service in the plan: the new one is created, untouched old files deleted, edited ones reported', async () => {
    await implementListNotes();
    await editPlan((p) => {
      p.services[0]!.name = 'memos';
    });
    const { report } = await syncRepo(dir, await plan());
    expect(await exists(dir, 'services/memos/openapi.yaml')).toBe(true);
    expect(await exists(dir, 'services/memos/src/handlers/memos.ts') || await exists(dir, 'services/memos/src/handlers/notes.ts')).toBe(true);
    expect(actionOf(report, HANDLERS)!.action).toBe('report');
    expect(await exists(dir, HANDLERS)).toBe(true);
    expect(actionOf(report, ROUTES)!.action).toBe('delete');
    expect(await exists(dir, ROUTES)).toBe(false);
    expect(await exists(dir, 'services/notes/src/generated')).toBe(false);
    const again = await syncRepo(dir, await plan());
    expect(again.report.written).toBe(0);
  });

  it('same line edited by the user and the generator: conflict, exit 1, everything else updated', async () => {
    const doc = 'docs/ARCHITECTURE.md';
    const original = await read(dir, doc);
    const summary = JSON.parse(await read(dir, 'arch.plan.json')).summary as string;
    expect(original).toContain(summary);
    await write(dir, doc, original.replace(summary, 'My own words about the system.'));
    await implementListNotes();
    await editPlan((p) => {
      p.summary = 'A single service for notes, summarised anew.';
      p.services[0]!.operations.push({ id: 'archiveNote', method: 'post', path: '/notes/{noteId}/archive', summary: 'Archive a note', response: { status: 204 } });
    });
    let out = '';
    const code = await syncCommand([dir], (t) => (out += t));
    expect(code).toBe(1);
    expect(out).toMatch(/conflicts .*\n\s+docs\/ARCHITECTURE\.md/);
    const text = await read(dir, doc);
    expect(text).toContain('<<<<<<< yours\n');
    expect(text).toContain('My own words about the system.');
    expect(text).toContain('A single service for notes, summarised anew.');
    expect(await read(dir, HANDLERS)).toContain('export async function archiveNote(');
    expect(await read(dir, HANDLERS)).toContain('// my implementation');
    // Still a conflict (and exit 1) until the markers are gone.
    expect(await syncCommand([dir], quiet)).toBe(1);
    await write(dir, doc, text.replace(/<<<<<<< yours\n([\s\S]*?)=======\n[\s\S]*?>>>>>>> generated\n/, '$1'));
    expect(await syncCommand([dir], quiet)).toBe(0);
    expect(await read(dir, doc)).toContain('My own words about the system.');
  });

  it('--check exits 1 before a sync and 0 after', async () => {
    expect(await syncCommand([dir, '--check'], quiet)).toBe(0);
    await editPlan((p) => {
      p.services[0]!.description = 'Keeps notes, now with more words.';
    });
    const before = await snapshot(dir);
    let out = '';
    expect(await syncCommand([dir, '--check'], (t) => (out += t))).toBe(1);
    expect(out).toContain('out of sync');
    expect(await snapshot(dir)).toEqual(before);
    expect(await syncCommand([dir], quiet)).toBe(0);
    expect(await syncCommand([dir, '--check'], quiet)).toBe(0);
  });

  it('--dry-run prints actions and unified diffs and writes nothing; --json is the same report', async () => {
    await editPlan((p) => {
      p.services[0]!.description = 'Keeps notes, now with more words.';
    });
    const before = await snapshot(dir);
    let out = '';
    expect(await syncCommand([dir, '--dry-run'], (t) => (out += t))).toBe(0);
    expect(out).toMatch(/update\s+services\/notes\/README\.md/);
    expect(out).toMatch(/\n\s+@@ -\d+,\d+ \+\d+,\d+ @@/);
    expect(out).toContain('+');
    expect(await snapshot(dir)).toEqual(before);
    let json = '';
    await syncCommand([dir, '--dry-run', '--json'], (t) => (json += t));
    const report = JSON.parse(json) as { changed: number; files: { path: string; action: string; diff?: string }[] };
    expect(report.changed).toBeGreaterThan(0);
    expect(report.files.find((f) => f.path === 'services/notes/README.md')!.diff).toContain('now with more words');
  });

  it('a generated file the user deleted stays deleted, unless --restore', async () => {
    const file = 'services/notes/Dockerfile';
    await remove(dir, file);
    expect(await syncCommand([dir], quiet)).toBe(0);
    expect(await exists(dir, file)).toBe(false);
    await editPlan((p) => {
      p.services[0]!.port = 4100;
    });
    await syncCommand([dir], quiet);
    expect(await exists(dir, file)).toBe(false);
    expect(await syncCommand([dir, '--check'], quiet)).toBe(0);
    await syncCommand([dir, '--restore'], quiet);
    expect(await exists(dir, file)).toBe(true);
    expect(await read(dir, file)).toContain('EXPOSE 4100');
  });

  it('a sync killed between writes converges when run again', async () => {
    await implementListNotes();
    await editPlan((p) => {
      p.services[0]!.name = 'memos';
    });
    const reference = await tempDir();
    try {
      await cp(dir, reference, { recursive: true });
      await syncRepo(reference, await loadPlanFile(path.join(reference, 'arch.plan.json')));
      const want = await snapshot(reference);
      let n = 0;
      await expect(syncRepo(dir, await plan(), { onWrite: () => { if (++n === 7) throw new Error('killed'); } })).rejects.toThrow('killed');
      expect(await exists(dir, '.arch/sync-in-progress')).toBe(true);
      const { report } = await syncRepo(dir, await plan());
      expect(report.recovered).toBe(true);
      const got = await snapshot(dir);
      expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
      for (const [p, v] of want) expect(got.get(p)!.content, p).toBe(v.content);
    } finally {
      await removeDir(reference);
    }
  });

  it('an invalid spec is an InputError with file and line; nothing is written', async () => {
    const spec = await read(dir, SPEC);
    await write(dir, SPEC, spec.replace('paths:\n', 'paths:\n  - [unclosed\n'));
    await editPlan((p) => {
      p.services[0]!.description = 'Changed, but the spec is broken.';
    });
    const before = await snapshot(dir);
    const err = await syncRepo(dir, await plan()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toMatch(/services\/notes\/openapi\.yaml:\d+:\d+/);
    expect(await snapshot(dir)).toEqual(before);
    let errOut = '';
    expect(await syncCommand([dir], quiet).catch((e: InputError) => (errOut = e.message, e.exitCode))).toBe(2);
    expect(errOut).toContain('openapi.yaml');
  });

  it('a spec that parses but is not usable OpenAPI 3 is an InputError too; nothing is written', async () => {
    await write(dir, SPEC, 'swagger: "2.0"\ninfo:\n  title: old\n  version: "1"\npaths: {}\n');
    await editPlan((p) => {
      p.services[0]!.description = 'Changed while the spec is unusable.';
    });
    const before = await snapshot(dir);
    const err = await syncRepo(dir, await plan()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toContain('services/notes/openapi.yaml');
    expect(await snapshot(dir)).toEqual(before);
  });

  it('add operation and add service (plop generators, no prompts when every argument is given)', async () => {
    let out = '';
    const io = { out: (t: string) => void (out += t), interactive: false };
    expect(await addCommand(['operation', 'notes', 'POST', '/notes/{noteId}/archive', '--dir', dir], io)).toBe(0);
    expect(out).toContain('added POST /v1/notes/{noteId}/archive (postNotesArchive)');
    expect(await read(dir, SPEC)).toContain('operationId: postNotesArchive');
    expect(await read(dir, HANDLERS)).toContain('export async function postNotesArchive(');
    expect(await addCommand(['service', 'billing', '--description', 'Bills.', '--dir', dir], io)).toBe(0);
    expect((await loadPlanFile(path.join(dir, 'arch.plan.json'))).services.map((s) => s.name)).toEqual(['notes', 'billing']);
    expect(await exists(dir, 'services/billing/openapi.yaml')).toBe(true);
    expect(await syncCommand([dir, '--check'], quiet)).toBe(0);
    // Errors: duplicate operation, missing arguments without a terminal, bad names.
    await expect(addCommand(['operation', 'notes', 'POST', '/notes/{noteId}/archive', '--dir', dir], io)).rejects.toThrow(/already exists/);
    await expect(addCommand(['operation', 'notes', '--dir', dir], io)).rejects.toThrow(/missing <METHOD>, <path>/);
    await expect(addCommand(['service', 'Bad_Name', '--dir', dir], io)).rejects.toThrow(/not a service name/);
    await expect(addCommand(['service', 'notes', '--dir', dir], io)).rejects.toThrow(/already has a service/);
  });
});
