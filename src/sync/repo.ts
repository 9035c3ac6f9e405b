/**
 * syncRepo: a whole generated repo brought up to date with its plan and its specs. Used by
 * `create-arch-service sync` and fit for first generation too (no manifest yet: every
 * spec is the plan's render).
 *
 * Each service's openapi.yaml is the source of truth for its API once created, but plan
 * edits (a new operation, a new model) must still flow into it. So the spec is reconciled
 * first, three-way by key against its base: the plan's render is the "generated" side,
 * the user's file is "yours", and on a true conflict the user's value wins (no markers in
 * a spec). The code is then rendered from the reconciled specs, and the whole tree goes
 * through syncTree, which writes the same reconciled spec (it runs the same merge) and
 * stores the plan's pristine render as the spec's next base.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';
import { readTextIfExists } from './atomic-fs.js';
import { syncTree, type SyncOptions, type SyncReport } from './engine.js';
import { JOURNAL_FILE, basePath, hashContent, readManifest, type Manifest, type ManifestEntry } from './manifest.js';
import { mergeYaml } from './merge/yaml.js';
import { hasConflictMarkers } from './merge/types.js';
import { parseDocumentText } from '../plan/load.js';
import { planHash } from '../plan/hash.js';
import { normalizePlan, type NormalizedPlan } from '../plan/normalize.js';
import type { Plan } from '../plan/schema.js';
import { packageRoot, packageVersion } from '../paths.js';
import { formatFile } from '../render/format.js';
import { specFromPlan } from '../openapi/from-plan.js';
import type { RenderedFile, RenderedTree } from '../render/tree.js';

/**
 * Where a service's spec lives; the same rule as specPath in render/pipeline.ts, repeated
 * here so that a no-op sync need not load the pipeline (and every generator with it).
 */
export function specPath(service: string): string {
  return `services/${service}/openapi.yaml`;
}

export type SyncRepoOptions = Omit<SyncOptions, 'generatorVersion' | 'planHash' | 'policy'>;

export interface SyncRepoResult {
  report: SyncReport;
  plan: NormalizedPlan;
}

export const SPEC_GENERATOR = 'openapi';

/**
 * What the generators' output depends on besides the plan and specs: their code and
 * templates. The version covers published releases; size and mtime of the files cover a
 * working copy whose templates change under the same version.
 */
let fingerprint: Promise<string> | undefined;
export function generatorFingerprint(): Promise<string> {
  fingerprint ??= (async () => {
    const root = packageRoot();
    const parts: string[] = [];
    async function walk(rel: string): Promise<void> {
      let entries;
      try {
        entries = readdirSync(path.join(root, rel), { withFileTypes: true }); // sync: hundreds of stats, each awaited in turn, cost far more
      } catch {
        return; // not there in this layout (src/ vs dist/)
      }
      for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const child = `${rel}/${e.name}`;
        if (e.isDirectory()) await walk(child);
        else {
          const st = statSync(path.join(root, child));
          parts.push(`${child}:${st.size}:${st.mtimeMs}`);
        }
      }
    }
    for (const rel of ['templates', 'generators', 'src/render', 'src/openapi', 'src/plan', 'dist/generators', 'dist/src/render', 'dist/src/openapi', 'dist/src/plan']) await walk(rel);
    return hashContent(parts.join('\n'));
  })();
  return fingerprint;
}

/**
 * When nothing the render depends on changed since the last complete sync, the render
 * would equal the stored bases: use them instead of rendering (the render is most of a
 * sync's cost). Not after an interrupted sync, with unresolved conflicts (their bases are
 * kept back on purpose), or with --restore; any base missing or edited -> render.
 * (The caller passes no manifest after an interrupted sync or with --restore.)
 */
async function unchangedTree(root: string, manifest: Manifest | undefined, inputsHash: string): Promise<RenderedTree | undefined> {
  if (!manifest || manifest.inputsHash !== inputsHash) return undefined;
  const entries = Object.entries(manifest.files);
  if (entries.some(([, e]) => e.conflict)) return undefined;
  const tree: RenderedTree = new Map();
  const texts = await Promise.all(entries.map(([rel]) => readTextIfExists(path.join(root, ...basePath(rel).split('/')))));
  for (let i = 0; i < entries.length; i++) {
    const [rel, e] = entries[i]!;
    const text = texts[i];
    if (text === undefined || hashContent(text) !== e.hash) return undefined;
    tree.set(rel, fileFromEntry(rel, e, text));
  }
  return tree;
}

function fileFromEntry(rel: string, e: ManifestEntry, content: string): RenderedFile {
  return { path: rel, content, owner: e.owner, generator: e.generator, ...(e.mode !== undefined ? { mode: e.mode } : {}), ...(e.service !== undefined ? { service: e.service } : {}) };
}

/**
 * When the plan and generators are unchanged and only some specs changed, a service's
 * per-service output depends only on its own spec and those of the services it calls:
 * every other service's files are taken from the bases instead of rendered again
 * (openapi-typescript is most of the render). Groups holding a conflict or a missing or
 * edited base are rendered.
 */
async function reuseUnchanged(
  root: string,
  manifest: Manifest | undefined,
  planKey: string,
  specHashes: Record<string, string>,
  dependsOn: ReadonlyMap<string, readonly string[]> | undefined,
): Promise<Reuse | undefined> {
  if (!manifest || manifest.planKey !== planKey || !manifest.specHashes || !dependsOn) return undefined;
  const last = manifest.specHashes;
  const changed = new Set(Object.keys(specHashes).filter((s) => last[s] !== specHashes[s]));
  const affected = new Set([...changed, ...[...dependsOn].filter(([, deps]) => deps.some((d) => changed.has(d))).map(([s]) => s)]);
  const groups = new Map<string, [string, ManifestEntry][]>();
  for (const [rel, e] of Object.entries(manifest.files)) {
    if (e.service === undefined || affected.has(e.service)) continue;
    const key = `${e.generator}\u0000${e.service}`;
    groups.set(key, [...(groups.get(key) ?? []), [rel, e]]);
  }
  const ready = new Map<string, RenderedFile[]>();
  await Promise.all(
    [...groups].map(async ([key, entries]) => {
      if (entries.some(([, e]) => e.conflict)) return;
      const files: RenderedFile[] = [];
      for (const [rel, e] of entries) {
        const text = await readTextIfExists(path.join(root, ...basePath(rel).split('/')));
        if (text === undefined || hashContent(text) !== e.hash) return;
        files.push(fileFromEntry(rel, e, text));
      }
      ready.set(key, files);
    }),
  );
  return (generator, service) => (affected.has(service) ? undefined : ready.get(`${generator}\u0000${service}`));
}

async function storedBase(root: string, manifest: Manifest | undefined, rel: string): Promise<string | undefined> {
  if (!manifest?.files[rel]) return undefined;
  // Not checked against the manifest hash: after an interrupted sync the base file is the
  // newer truth (see engine.ts), and for a spec any base beats none.
  return readTextIfExists(path.join(root, ...basePath(rel).split('/')));
}

/** The user's spec merged with the plan's new render; InputError (file, line) if it cannot be read. */
export async function reconcileSpec(root: string, manifest: Manifest | undefined, service: string, pristine: string): Promise<string> {
  const rel = specPath(service);
  const yours = await readTextIfExists(path.join(root, ...rel.split('/')));
  if (yours === undefined) return pristine;
  if (hasConflictMarkers(yours)) {
    const line = yours.split('\n').findIndex((l) => l.startsWith('<<<<<<< ')) + 1;
    throw new InputError(rel, [{ path: '', message: 'unresolved conflict markers: resolve them, then sync again', line, column: 1 }], 'cannot read');
  }
  const base = await storedBase(root, manifest, rel);
  // Unedited (our own render, checked when it was made): no need to parse.
  if (yours === pristine) return yours;
  if (yours === base) return pristine;
  parseDocumentText(yours, rel); // syntax errors with line and column, before anything is written
  if (base === undefined || pristine === base) return yours; // no base: the user's spec is the truth
  return mergeYaml(base, yours, pristine, true).content;
}

export async function syncRepo(dir: string, plan: Plan, opts: SyncRepoOptions = {}): Promise<SyncRepoResult> {
  const normalized = normalizePlan(plan);
  const render: TreeRenderer = async (specTexts, reuse) => {
    const { renderSystem } = await import('../render/pipeline.js'); // heavy: only when rendering
    const { loadSpecCache } = await import('./spec-cache.js');
    const cache = await loadSpecCache(path.resolve(dir), specTexts, JSON.stringify([packageVersion(), await generatorFingerprint()]));
    const { tree } = await renderSystem(plan, { specTexts, reuse, parsedSpecs: cache.parsed });
    if (!opts.dryRun && !opts.check) await cache.save();
    return tree;
  };
  const planSpecs: PlanSpecs = {
    services: normalized.services.map((s) => s.name),
    dependsOn: new Map(normalized.services.map((s) => [s.name, s.dependencies.map((d) => d.service)])),
    render: () => new Map(normalized.services.map((s) => [s.name, specFromPlan(normalized, s)])),
  };
  const report = await syncSpecsAndTree(dir, planSpecs, render, { ...opts, planHash: planHash(plan) });
  return { report, plan: normalized };
}

export type Reuse = (generator: string, service: string) => RenderedFile[] | undefined;
export type TreeRenderer = (specTexts: Map<string, string>, reuse?: Reuse) => Promise<RenderedTree>;

export interface PlanSpecs {
  services: readonly string[];
  /** The services each one calls: their specs shape its generated clients. */
  dependsOn?: ReadonlyMap<string, readonly string[]>;
  /** Each service's openapi.yaml as the plan describes it. */
  render: () => ReadonlyMap<string, string>;
}

/**
 * The two phases with the renderers passed in: reconcile each service's spec (plan render
 * vs base vs disk), render the tree from the reconciled specs, sync. syncRepo plugs in
 * the real pipeline; the property test plugs in a small, fast one. What did not change
 * since the last complete sync is not rendered again (see Manifest.planKey, inputsHash).
 */
export async function syncSpecsAndTree(
  dir: string,
  planSpecs: PlanSpecs,
  render: TreeRenderer,
  opts: SyncRepoOptions & { planHash: string; generatorVersion?: string },
): Promise<SyncReport> {
  const root = path.resolve(dir);
  const previous = await readManifest(root);
  const interrupted = (await readTextIfExists(path.join(root, JOURNAL_FILE))) !== undefined;
  const generatorVersion = opts.generatorVersion ?? packageVersion();
  const fingerprint = await generatorFingerprint();
  const planKey = hashContent(JSON.stringify([generatorVersion, fingerprint, opts.planHash, planSpecs.services]));
  const rendered = (!interrupted && (await specsFromBases(root, previous?.manifest, planKey, planSpecs.services))) || planSpecs.render();
  const pristine = new Map<string, string>();
  const specTexts = new Map<string, string>();
  for (const service of planSpecs.services) {
    const rel = specPath(service);
    const p = formatFile(rel, rendered.get(service)!);
    pristine.set(rel, p);
    specTexts.set(service, await reconcileSpec(root, previous?.manifest, service, p));
  }
  const specHashes = Object.fromEntries([...specTexts].map(([s, t]) => [s, hashContent(t)]));
  const inputsHash = hashContent(JSON.stringify([planKey, Object.entries(specHashes).sort(([a], [b]) => (a < b ? -1 : 1))]));
  const manifest = interrupted || opts.restore ? undefined : previous?.manifest;
  const tree =
    (await unchangedTree(root, manifest, inputsHash)) ??
    (await render(specTexts, await reuseUnchanged(root, manifest, planKey, specHashes, planSpecs.dependsOn)));
  for (const service of planSpecs.services) {
    const rel = specPath(service);
    const existing = tree.get(rel);
    tree.set(rel, { path: rel, content: pristine.get(rel)!, owner: 'merged', generator: existing?.generator ?? SPEC_GENERATOR, service });
  }
  return syncTree(root, tree, {
    ...opts,
    generatorVersion,
    inputsHash,
    planKey,
    specHashes,
    policy: (p) => (pristine.has(p) ? { preferYours: true, restore: true } : undefined),
  });
}

/** The plan's spec renders, taken from the stored bases when the plan and generators are unchanged. */
async function specsFromBases(root: string, manifest: Manifest | undefined, planKey: string, services: readonly string[]): Promise<Map<string, string> | undefined> {
  if (!manifest || manifest.planKey !== planKey) return undefined;
  const out = new Map<string, string>();
  for (const service of services) {
    const rel = specPath(service);
    const entry = manifest.files[rel];
    if (!entry) return undefined;
    const text = await readTextIfExists(path.join(root, ...basePath(rel).split('/')));
    if (text === undefined || hashContent(text) !== entry.hash) return undefined;
    out.set(service, text);
  }
  return out;
}
