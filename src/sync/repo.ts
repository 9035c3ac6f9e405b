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
import path from 'node:path';
import { InputError } from '../errors.js';
import { readTextIfExists } from './atomic-fs.js';
import { syncTree, type SyncOptions, type SyncReport } from './engine.js';
import { basePath, readManifest, type Manifest } from './manifest.js';
import { mergeYaml } from './merge/yaml.js';
import { hasConflictMarkers } from './merge/types.js';
import { parseDocumentText } from '../plan/load.js';
import { planHash } from '../plan/hash.js';
import { normalizePlan, type NormalizedPlan } from '../plan/normalize.js';
import type { Plan } from '../plan/schema.js';
import { packageVersion } from '../paths.js';
import { formatFile } from '../render/format.js';
import { renderSpecs, renderSystem, specPath } from '../render/pipeline.js';
import type { RenderedTree } from '../render/tree.js';

export type SyncRepoOptions = Omit<SyncOptions, 'generatorVersion' | 'planHash' | 'policy'>;

export interface SyncRepoResult {
  report: SyncReport;
  plan: NormalizedPlan;
}

export const SPEC_GENERATOR = 'openapi';

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
  parseDocumentText(yours, rel); // syntax errors with line and column, before anything is written
  const base = await storedBase(root, manifest, rel);
  if (base === undefined) return yours; // no common ancestor: the user's spec is the truth
  return mergeYaml(base, yours, pristine, true).content;
}

export async function syncRepo(dir: string, plan: Plan, opts: SyncRepoOptions = {}): Promise<SyncRepoResult> {
  const normalized = normalizePlan(plan);
  const report = await syncSpecsAndTree(dir, renderSpecs(normalized), async (specTexts) => (await renderSystem(plan, { specTexts })).tree, {
    ...opts,
    planHash: planHash(plan),
  });
  return { report, plan: normalized };
}

/**
 * The two phases with the renderer passed in: reconcile each service's spec (plan render
 * vs base vs disk), render the tree from the reconciled specs, sync. syncRepo plugs in
 * the real pipeline; the property test plugs in a small, fast one.
 */
export async function syncSpecsAndTree(
  dir: string,
  planSpecs: ReadonlyMap<string, string>,
  render: (specTexts: Map<string, string>) => Promise<RenderedTree>,
  opts: SyncRepoOptions & { planHash: string; generatorVersion?: string },
): Promise<SyncReport> {
  const root = path.resolve(dir);
  const previous = await readManifest(root);
  const pristine = new Map<string, string>();
  const specTexts = new Map<string, string>();
  for (const [service, text] of planSpecs) {
    const rel = specPath(service);
    const p = formatFile(rel, text);
    pristine.set(rel, p);
    specTexts.set(service, await reconcileSpec(root, previous?.manifest, service, p));
  }
  const tree = await render(specTexts);
  for (const [rel, content] of pristine) {
    const existing = tree.get(rel);
    tree.set(rel, { path: rel, content, owner: 'merged', generator: existing?.generator ?? SPEC_GENERATOR });
  }
  return syncTree(root, tree, {
    ...opts,
    generatorVersion: opts.generatorVersion ?? packageVersion(),
    policy: (p) => (pristine.has(p) ? { preferYours: true, restore: true } : undefined),
  });
}
