/**
 * The manifest under `.arch/`: what the last sync generated, so the next one can tell
 * the user's edits from the tool's (DESIGN.md §4).
 *
 * Layout (deterministic, diff-friendly, reviewed in pull requests like any other file):
 *   .arch/manifest.json      generator version, plan hash, and per file: owner, generator,
 *                            sha256 of the pristine render, mode, and flags (deleted by the
 *                            user, left with conflict markers). Keys sorted, two-space JSON.
 *   .arch/base/<path>        the pristine render of <path> from the last sync: the base of
 *                            the next three-way merge. One file per path, so `git diff`
 *                            shows exactly what the generator changed. Tools skip it: tsc,
 *                            vitest and npm workspace globs do not descend into dot-folders.
 *   .arch/tmp/               temporary files of a sync in progress (renamed into place).
 *   .arch/sync-in-progress   journal: present only while a sync is writing; if a sync is
 *                            killed, the next one sees it and trusts base files over hashes.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CliError, EXIT } from '../errors.js';
import type { Owner } from '../render/tree.js';

export const ARCH_DIR = '.arch';
export const MANIFEST_FILE = `${ARCH_DIR}/manifest.json`;
export const BASE_DIR = `${ARCH_DIR}/base`;
export const TMP_DIR = `${ARCH_DIR}/tmp`;
export const JOURNAL_FILE = `${ARCH_DIR}/sync-in-progress`;
export const MANIFEST_VERSION = 1;

export interface ManifestEntry {
  owner: Owner;
  generator: string;
  /** sha256 of the pristine render stored in .arch/base/<path>. */
  hash: string;
  mode?: number;
  /** The service a service-scoped generator rendered it for. */
  service?: string;
  /** The user deleted this generated file; it stays deleted unless `sync --restore`. */
  deleted?: true;
  /** The last sync left conflict markers in this file; re-checked on every sync until resolved. */
  conflict?: true;
}

export interface Manifest {
  manifestVersion: number;
  generatorVersion: string;
  planHash: string;
  /**
   * Hash of everything the render depends on (generator fingerprint, plan, reconciled
   * specs). Equal on the next sync -> the render would be byte-identical to the bases, so
   * it is skipped (a no-op sync on 50 services stays well under a second).
   */
  inputsHash?: string;
  /**
   * Hash of the generator fingerprint and the plan. Equal on the next sync -> each
   * service's spec rendered from the plan equals its stored base, so it is not rendered.
   */
  planKey?: string;
  /** sha256 of each service's reconciled spec at the last render: which services changed. */
  specHashes?: Record<string, string>;
  files: Record<string, ManifestEntry>;
}

export function hashContent(content: string): string {
  return createHash('sha256').update(content, 'utf8').digest('hex');
}

export function basePath(file: string): string {
  return `${BASE_DIR}/${file}`;
}

export function emptyManifest(generatorVersion: string, planHash: string): Manifest {
  return { manifestVersion: MANIFEST_VERSION, generatorVersion, planHash, files: {} };
}

/** Serialise with sorted paths and a fixed key order, so equal manifests are equal bytes. */
export function serializeManifest(m: Manifest): string {
  const files: Record<string, ManifestEntry> = {};
  for (const p of Object.keys(m.files).sort()) {
    const e = m.files[p]!;
    const out: ManifestEntry = { owner: e.owner, generator: e.generator, hash: e.hash };
    if (e.mode !== undefined) out.mode = e.mode;
    if (e.service !== undefined) out.service = e.service;
    if (e.deleted) out.deleted = true;
    if (e.conflict) out.conflict = true;
    files[p] = out;
  }
  const ordered = {
    manifestVersion: m.manifestVersion,
    generatorVersion: m.generatorVersion,
    planHash: m.planHash,
    ...(m.inputsHash ? { inputsHash: m.inputsHash } : {}),
    ...(m.planKey ? { planKey: m.planKey } : {}),
    ...(m.specHashes ? { specHashes: Object.fromEntries(Object.keys(m.specHashes).sort().map((k) => [k, m.specHashes![k]!])) } : {}),
    files,
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

/** A manifest we cannot use: input the user (or a merge tool) broke, exit 2. */
export class ManifestError extends CliError {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`, EXIT.usage);
  }
}

const OWNERS = new Set<string>(['generated', 'scaffolded', 'merged']);

/** Check the shape by hand: the manifest is ours, small, and a clear message beats a schema dump. */
export function parseManifest(text: string, file = MANIFEST_FILE): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ManifestError(file, `not valid JSON (${(err as Error).message}); delete .arch/ to regenerate from scratch`);
  }
  const m = raw as Partial<Manifest>;
  if (!m || typeof m !== 'object' || typeof m.files !== 'object' || m.files === null) throw new ManifestError(file, 'missing "files"');
  if (m.manifestVersion !== MANIFEST_VERSION) throw new ManifestError(file, `unsupported manifestVersion ${String(m.manifestVersion)} (expected ${MANIFEST_VERSION})`);
  for (const [p, e] of Object.entries(m.files)) {
    if (!e || typeof e !== 'object' || !OWNERS.has(e.owner) || typeof e.hash !== 'string' || typeof e.generator !== 'string') {
      throw new ManifestError(file, `entry ${JSON.stringify(p)} is malformed`);
    }
  }
  return {
    manifestVersion: MANIFEST_VERSION,
    generatorVersion: String(m.generatorVersion ?? ''),
    planHash: String(m.planHash ?? ''),
    ...(typeof m.inputsHash === 'string' ? { inputsHash: m.inputsHash } : {}),
    ...(typeof m.planKey === 'string' ? { planKey: m.planKey } : {}),
    ...(m.specHashes && typeof m.specHashes === 'object' ? { specHashes: m.specHashes } : {}),
    files: m.files,
  };
}

/** The manifest of `dir`, or undefined when the folder was never generated. */
export async function readManifest(dir: string): Promise<{ manifest: Manifest; text: string } | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(dir, MANIFEST_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return { manifest: parseManifest(text, path.join(dir, MANIFEST_FILE)), text };
}
