/**
 * syncTree: the only writer of generated repos (DESIGN.md §4). First generation is a sync
 * against an empty folder; every later sync reconciles three versions of each file:
 *
 *   base      the pristine render of the last sync (.arch/base/<path>)
 *   yours     what is on disk now (the user's edits)
 *   generated the new render
 *
 *   yours == base        -> replace with the new render          (update)
 *   generated == base    -> leave the disk alone                 (keep; only a hash compare)
 *   both changed         -> structure-aware merge                (merge, or conflict with markers)
 *   not rendered anymore -> delete if unchanged since generated  (delete), else (report)
 *   deleted by the user  -> stays deleted, recorded in the manifest, unless --restore (skip)
 *
 * Nothing is written until every file has been decided, then: working files (temp file +
 * rename each), bases, the manifest last, all under a journal that lets a killed sync
 * converge when run again.
 */
import { writeFile, unlink, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { CliError } from '../errors.js';
import { assertSafeRelativePath, type Owner, type RenderedFile, type RenderedTree } from '../render/tree.js';
import { AtomicWriter, exists, readTextIfExists } from './atomic-fs.js';
import {
  ARCH_DIR,
  BASE_DIR,
  JOURNAL_FILE,
  MANIFEST_FILE,
  TMP_DIR,
  MANIFEST_VERSION,
  basePath,
  hashContent,
  readManifest,
  serializeManifest,
  type Manifest,
  type ManifestEntry,
} from './manifest.js';
import { mergeFile } from './merge/index.js';
import { hasConflictMarkers } from './merge/types.js';

export type SyncAction = 'create' | 'update' | 'merge' | 'conflict' | 'delete' | 'keep' | 'report' | 'skip';
export const SYNC_ACTIONS: readonly SyncAction[] = ['create', 'update', 'merge', 'conflict', 'delete', 'keep', 'report', 'skip'];
/** Actions that change a working file: what `--check` looks for. */
export const CHANGING_ACTIONS: ReadonlySet<SyncAction> = new Set(['create', 'update', 'merge', 'conflict', 'delete']);

export interface SyncOptions {
  /** Decide and report (with diffs), write nothing. */
  dryRun?: boolean;
  /** Like dryRun; the caller exits 1 when `report.changed > 0` (for CI). */
  check?: boolean;
  /** Bring back generated files the user deleted. */
  restore?: boolean;
  generatorVersion: string;
  planHash: string;
  /** Recorded in the manifest: see Manifest.inputsHash and Manifest.planKey. */
  inputsHash?: string;
  planKey?: string;
  specHashes?: Record<string, string>;
  /** Include unified diffs in the report; default: on for dryRun and check. */
  diffs?: boolean;
  /**
   * Called after each working file is written or deleted. Tests throw from it to simulate
   * a sync killed halfway.
   */
  onWrite?: (file: string) => void | Promise<void>;
  /** Per-path exceptions to the rules above (the sync command uses it for openapi.yaml). */
  policy?: (file: string) => PathPolicy | undefined;
}

export interface PathPolicy {
  /** On a true conflict keep the user's value instead of writing markers (structured files only). */
  preferYours?: boolean;
  /** Recreate the file if the user deleted it (it is needed, e.g. a service's spec). */
  restore?: boolean;
}

export interface FileReport {
  path: string;
  action: SyncAction;
  owner: Owner;
  diff?: string;
  message?: string;
}

export interface SyncReport {
  dir: string;
  dryRun: boolean;
  /** Every path considered, sorted. */
  files: FileReport[];
  counts: Record<SyncAction, number>;
  /** Paths left with conflict markers. */
  conflicts: string[];
  /** Working files this sync changes (or would change, in dry-run / check). */
  changed: number;
  /** Files written or removed on disk, .arch/ included; 0 in dry-run / check. */
  written: number;
  /** A previous sync was interrupted; this one finished its work. */
  recovered: boolean;
}

interface Step {
  report: FileReport;
  /** New content of the working file. */
  write?: { content: string; mode?: number };
  /** Delete the working file. */
  remove?: boolean;
  /** Disk content before this sync, for diffs. */
  before?: string;
  /** New manifest entry; null drops it. */
  entry: ManifestEntry | null;
  /** New base content; null removes the base; undefined leaves it as it is. */
  base?: string | null;
}

const CONCURRENCY = 32;

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  });
  await Promise.all(workers);
  return out;
}

function entryFor(file: RenderedFile, flags: { deleted?: boolean; conflict?: boolean; hash?: string } = {}): ManifestEntry {
  const e: ManifestEntry = { owner: file.owner, generator: file.generator, hash: flags.hash ?? hashContent(file.content) };
  if (file.mode !== undefined) e.mode = file.mode;
  if (file.service !== undefined) e.service = file.service;
  if (flags.deleted) e.deleted = true;
  if (flags.conflict) e.conflict = true;
  return e;
}

const DELETED_MSG = 'deleted by you: stays deleted (sync --restore brings it back)';

class Reconciler {
  constructor(
    readonly dir: string,
    readonly manifest: Manifest | undefined,
    readonly recovering: boolean,
    readonly opts: SyncOptions,
  ) {}

  abs(rel: string): string {
    return path.join(this.dir, ...rel.split('/'));
  }

  /**
   * The stored base of `rel`. Normally it must match the manifest hash (a mismatch means
   * someone edited .arch/ by hand: merge without a base rather than trust it). After an
   * interrupted sync the base file is the truth: it is written only after every working
   * file has been reconciled against it.
   */
  async readBase(rel: string, expectedHash: string | undefined): Promise<string | undefined> {
    const text = await readTextIfExists(this.abs(basePath(rel)));
    if (text === undefined) return undefined;
    if (!this.recovering && expectedHash !== undefined && hashContent(text) !== expectedHash) return undefined;
    return text;
  }

  /** Disk kept as is: re-report a conflict whose markers are still there. */
  async keepDisk(file: RenderedFile, entry: ManifestEntry | undefined, yours: string | undefined, base: Step['base'], message?: string): Promise<Step> {
    if (entry?.conflict) {
      const text = yours ?? (await readTextIfExists(this.abs(file.path)));
      if (text !== undefined && hasConflictMarkers(text)) {
        return {
          report: { path: file.path, action: 'conflict', owner: file.owner, message: 'unresolved conflict markers from an earlier sync' },
          entry: entryFor(file, { conflict: true }),
          base,
        };
      }
    }
    return { report: { path: file.path, action: 'keep', owner: file.owner, ...(message ? { message } : {}) }, entry: entryFor(file), base };
  }

  restores(rel: string): boolean {
    return Boolean(this.opts.restore || this.opts.policy?.(rel)?.restore);
  }

  create(file: RenderedFile, message?: string): Step {
    return {
      report: { path: file.path, action: 'create', owner: file.owner, ...(message ? { message } : {}) },
      write: { content: file.content, mode: file.mode },
      before: '',
      entry: entryFor(file),
      base: file.content,
    };
  }

  async rendered(file: RenderedFile): Promise<Step> {
    const entry = this.manifest?.files[file.path];
    const generated = file.content;
    const rHash = hashContent(generated);
    const target = this.abs(file.path);

    // Fast path: the render did not change since the last sync, so the disk is the user's
    // business. One stat, no read, no merge.
    if (entry && !this.recovering && entry.hash === rHash) {
      if (!(await exists(target))) {
        if (this.restores(file.path)) return this.create(file, 'restored');
        return { report: { path: file.path, action: 'skip', owner: file.owner, message: DELETED_MSG }, entry: entryFor(file, { deleted: true }) };
      }
      return this.keepDisk(file, entry, undefined, undefined);
    }

    const raw = await readTextIfExists(target);
    // A checkout with CRLF line endings (git autocrlf) is the same text: compare and merge
    // with LF, write back with the user's line endings.
    const crlf = raw !== undefined && raw.includes('\r\n');
    const yours = crlf ? raw.replace(/\r\n/g, '\n') : raw;
    const eol = (text: string) => (crlf ? text.replace(/\n/g, '\r\n') : text);
    if (yours === undefined) {
      if (!entry || this.restores(file.path)) return this.create(file, entry ? 'restored' : undefined);
      // Deleted by the user: keep the old base (the file is not on disk to merge with).
      return { report: { path: file.path, action: 'skip', owner: file.owner, message: DELETED_MSG }, entry: { ...entry, deleted: true, conflict: undefined } };
    }

    const base = entry || this.recovering ? await this.readBase(file.path, entry?.hash) : undefined;
    const baseStep: Step['base'] = base === generated ? undefined : generated;
    if (base !== undefined && base === generated) return this.keepDisk(file, entry, yours, undefined);
    if (yours === generated) return this.keepDisk(file, undefined, yours, baseStep, entry ? 'already up to date' : 'already there, identical: adopted');
    if (base !== undefined && yours === base && file.owner !== 'scaffolded') {
      return { report: { path: file.path, action: 'update', owner: file.owner }, write: { content: eol(generated), mode: file.mode }, before: raw, entry: entryFor(file), base: baseStep };
    }

    // Never merge into a file that still holds markers: nested conflicts help nobody. The
    // base stays where it was, so the merge happens once the user has resolved them.
    if (entry && hasConflictMarkers(yours)) {
      return {
        report: { path: file.path, action: 'conflict', owner: file.owner, message: 'unresolved conflict markers: resolve them, then sync again' },
        entry: { ...entry, conflict: true, deleted: undefined },
      };
    }

    const notes: string[] = [];
    if (base === undefined) notes.push(entry ? 'stored base missing or edited: merged without a base' : 'file already existed: merged with the render');
    const outcome = await mergeFile({ path: file.path, owner: file.owner, base: base ?? '', yours, generated, preferYours: this.opts.policy?.(file.path)?.preferYours });
    notes.push(...outcome.notes);
    const message = notes.length ? notes.join('; ') : undefined;
    if (outcome.content === yours && !outcome.conflict) return this.keepDisk(file, undefined, yours, baseStep, message);
    return {
      report: { path: file.path, action: outcome.conflict ? 'conflict' : 'merge', owner: file.owner, ...(message ? { message } : {}) },
      write: outcome.content === yours ? undefined : { content: eol(outcome.content), mode: file.mode },
      before: raw,
      entry: entryFor(file, { conflict: outcome.conflict }),
      base: baseStep,
    };
  }

  /** A file the last sync generated and this render no longer contains. */
  async stale(rel: string, entry: ManifestEntry): Promise<Step> {
    const yours = await readTextIfExists(this.abs(rel));
    const drop = { entry: null, base: null } as const;
    if (yours === undefined) return { report: { path: rel, action: 'skip', owner: entry.owner, message: 'no longer generated; already gone' }, ...drop };
    const lf = yours.replace(/\r\n/g, '\n');
    let unchanged = hashContent(yours) === entry.hash || hashContent(lf) === entry.hash;
    if (!unchanged && this.recovering) unchanged = lf === (await this.readBase(rel, undefined));
    if (unchanged) return { report: { path: rel, action: 'delete', owner: entry.owner }, remove: true, before: yours, ...drop };
    return {
      report: { path: rel, action: 'report', owner: entry.owner, message: 'no longer generated, but changed since generation: left in place for you to review or delete' },
      ...drop,
    };
  }
}

/** A journal whose writer is still alive means another sync is writing right now. */
function assertNoOtherSync(journal: string, root: string): void {
  const pid = Number(/^pid (\d+)/.exec(journal)?.[1]);
  if (!pid || pid === process.pid) return;
  try {
    process.kill(pid, 0);
  } catch {
    return; // gone: the last sync was interrupted, this one finishes its work
  }
  throw new CliError(`another sync (pid ${pid}) is writing ${root}; wait for it, or delete ${JOURNAL_FILE} if that process is not a sync`);
}

function checkPath(p: string): void {
  assertSafeRelativePath(p);
  // .arch/ may hold other tool files (a plan JSON Schema, say); the engine's own are reserved.
  const reserved = p === ARCH_DIR || p === MANIFEST_FILE || p === JOURNAL_FILE || p.startsWith(`${BASE_DIR}/`) || p.startsWith(`${TMP_DIR}/`);
  if (reserved) throw new Error(`refusing to render over the sync engine's own files: ${p}`);
}

export async function syncTree(dir: string, tree: RenderedTree, opts: SyncOptions): Promise<SyncReport> {
  const root = path.resolve(dir);
  const dryRun = Boolean(opts.dryRun || opts.check);
  const wantDiffs = opts.diffs ?? dryRun;
  const previous = await readManifest(root);
  const journal = await readTextIfExists(path.join(root, JOURNAL_FILE));
  const recovering = journal !== undefined;
  if (recovering && !dryRun) assertNoOtherSync(journal, root);
  const rec = new Reconciler(root, previous?.manifest, recovering, opts);

  for (const p of tree.keys()) checkPath(p);
  const oldFiles = previous?.manifest.files ?? {};
  for (const p of Object.keys(oldFiles)) checkPath(p);

  const paths = [...new Set([...tree.keys(), ...Object.keys(oldFiles)])].sort();
  const steps = await mapLimit(paths, CONCURRENCY, (p) => {
    const file = tree.get(p);
    return file ? rec.rendered(file) : rec.stale(p, oldFiles[p]!);
  });

  const manifest: Manifest = { manifestVersion: MANIFEST_VERSION, generatorVersion: opts.generatorVersion, planHash: opts.planHash, files: {} };
  if (opts.inputsHash) manifest.inputsHash = opts.inputsHash;
  if (opts.planKey) manifest.planKey = opts.planKey;
  if (opts.specHashes) manifest.specHashes = opts.specHashes;
  for (const s of steps) if (s.entry) manifest.files[s.report.path] = s.entry;
  const manifestText = serializeManifest(manifest);

  const counts = Object.fromEntries(SYNC_ACTIONS.map((a) => [a, 0])) as Record<SyncAction, number>;
  for (const s of steps) {
    counts[s.report.action]++;
    if (wantDiffs && (s.write || s.remove)) {
      const after = s.remove ? '' : s.write!.content;
      s.report.diff = createTwoFilesPatch(`a/${s.report.path}`, `b/${s.report.path}`, s.before ?? '', after, undefined, undefined, { context: 3 });
    }
  }
  const report: SyncReport = {
    dir: root,
    dryRun,
    files: steps.map((s) => s.report),
    counts,
    conflicts: steps.filter((s) => s.report.action === 'conflict').map((s) => s.report.path),
    changed: steps.filter((s) => CHANGING_ACTIONS.has(s.report.action) && (s.write || s.remove || s.report.action === 'conflict')).length,
    written: 0,
    recovered: false,
  };

  const work = steps.filter((s) => s.write || s.remove || s.base !== undefined);
  const manifestChanged = manifestText !== previous?.text;
  // A sync that changes nothing but the speed-up records (inputsHash, planKey, specHashes)
  // writes nothing, once there are records at all (see repo.ts for why stale ones are safe).
  const recordsOnly =
    previous?.manifest.inputsHash !== undefined &&
    serializeManifest({ ...manifest, inputsHash: previous.manifest.inputsHash, planKey: previous.manifest.planKey, specHashes: previous.manifest.specHashes }) === previous.text;
  if (dryRun || (!work.length && (!manifestChanged || recordsOnly) && !recovering)) return report;

  const writer = new AtomicWriter(root);
  await mkdir(path.join(root, ARCH_DIR), { recursive: true });
  // The journal goes first: from here until the manifest is written, the repo is in between.
  await writeFile(path.join(root, JOURNAL_FILE), `pid ${process.pid}\nA sync is writing this repo. If no sync is running, the last one was interrupted: run sync again.\n`, 'utf8');
  let written = 0;
  // A file system error mid-way leaves the journal: the next sync finishes the work.
  const io = async (rel: string, op: () => Promise<void>) => {
    try {
      await op();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (!code) throw err;
      throw new CliError(`could not write ${rel} (${code}: ${(err as Error).message}); fix that, then run sync again to finish`);
    }
  };
  for (const s of work) {
    if (s.write) await io(s.report.path, () => writer.write(s.report.path, s.write!.content, s.write!.mode));
    else if (s.remove) await io(s.report.path, () => writer.remove(s.report.path));
    else continue;
    written++;
    await opts.onWrite?.(s.report.path);
  }
  // Bases only after every working file: a base on disk means its file was reconciled.
  for (const s of work) {
    if (s.base === undefined) continue;
    const rel = basePath(s.report.path);
    if (s.base === null) await io(rel, () => writer.remove(rel));
    else await io(rel, () => writer.write(rel, s.base as string));
    written++;
  }
  if (manifestChanged) {
    await io(MANIFEST_FILE, () => writer.write(MANIFEST_FILE, manifestText));
    written++;
  }
  await unlink(path.join(root, JOURNAL_FILE));
  await writer.cleanTmp();
  report.written = written;
  report.recovered = recovering;
  return report;
}
