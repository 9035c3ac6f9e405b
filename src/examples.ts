import { readdirSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from './errors.js';
import { packageRoot } from './paths.js';

/** Bundled example plans: examples/<name>.json. */
export function exampleNames(): string[] {
  return readdirSync(path.join(packageRoot(), 'examples'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

export function examplePath(name: string): string {
  const names = exampleNames();
  if (!names.includes(name)) throw new UsageError(`unknown example "${name}"; available: ${names.join(', ')}`);
  return path.join(packageRoot(), 'examples', `${name}.json`);
}
