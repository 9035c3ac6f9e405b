/**
 * The rendered tree: every file of a generated repo, in memory, before anything touches
 * the disk. Generators produce it; the sync engine reconciles it with the disk and is the
 * only writer.
 */

/**
 * Who owns a file after it is written (DESIGN.md §4):
 * - generated: the tool's; regenerated on every sync (user edits are three-way merged);
 * - scaffolded: created once, then the user's; the tool only adds to it (handlers);
 * - merged: a shared seam (package.json, compose, README, openapi.yaml) merged by key.
 */
export type Owner = 'generated' | 'scaffolded' | 'merged';

export interface RenderedFile {
  /** POSIX path relative to the repo root. */
  path: string;
  content: string;
  owner: Owner;
  /** Name of the generator that rendered it (registry key). */
  generator: string;
  /** File mode; 0o755 for scripts. */
  mode?: number;
  /** The service a service-scoped generator rendered it for (sync reuses unchanged services' output). */
  service?: string;
}

export type RenderedTree = Map<string, RenderedFile>;

/**
 * A relative POSIX path that stays inside the target: no absolute paths, no `..`, no
 * empty or dot segments, no backslashes or NUL. Names are validated long before this;
 * this is the last guard in front of the writer.
 */
export function assertSafeRelativePath(p: string): void {
  const bad =
    p.length === 0 ||
    p.length > 1024 ||
    p.startsWith('/') ||
    /^[A-Za-z]:/.test(p) ||
    p.includes('\\') ||
    p.includes('\0') ||
    p.split('/').some((seg) => seg === '' || seg === '.' || seg === '..');
  if (bad) throw new Error(`refusing to render a file outside the target folder: ${JSON.stringify(p)}`);
}

export function addFile(tree: RenderedTree, file: RenderedFile): void {
  assertSafeRelativePath(file.path);
  const existing = tree.get(file.path);
  if (existing) throw new Error(`two generators render ${file.path}: ${existing.generator} and ${file.generator}`);
  tree.set(file.path, file);
}

/** Stable order for printing and writing. */
export function sortedPaths(tree: RenderedTree): string[] {
  return [...tree.keys()].sort();
}
