/**
 * Picks the merge strategy for a file from its owner and extension (DESIGN.md §4):
 * structure-aware where we understand the structure, diff3 everywhere else.
 *
 *   scaffolded *.ts        additive: add new handlers and imports, mark removed ones @deprecated
 *   scaffolded, other      the user's: left alone, reported
 *   *.json                 by key
 *   *.yaml / *.yml         by key, comments kept (yaml Document API)
 *   *.ts / *.mts / ...     by top-level symbol (ts-morph), diff3 inside a symbol
 *   anything else          diff3
 */
import type { Owner } from '../../render/tree.js';
import { mergeJson } from './json.js';
import { mergeText } from './text.js';
import type { MergeOutcome } from './types.js';
import { mergeYaml } from './yaml.js';
import { deepEqual } from './values.js';

export interface MergeInput {
  path: string;
  owner: Owner;
  /** Last pristine render; '' when there is none (adopting a file that was already there). */
  base: string;
  yours: string;
  generated: string;
  /** Structured files: on a true conflict keep the user's value, no markers. */
  preferYours?: boolean;
}

const TS = /\.(ts|tsx|mts|cts)$/;

export type MergeStrategy = 'handlers' | 'keep' | 'json' | 'yaml' | 'typescript' | 'text';

export function strategyFor(path: string, owner: Owner): MergeStrategy {
  if (owner === 'scaffolded') return TS.test(path) && !path.endsWith('.d.ts') ? 'handlers' : 'keep';
  if (path.endsWith('.json')) return 'json';
  if (/\.ya?ml$/.test(path)) return 'yaml';
  if (TS.test(path)) return 'typescript';
  return 'text';
}

function sameData(path: string, a: string, b: string): boolean {
  if (!path.endsWith('.json')) return a === b;
  try {
    return deepEqual(JSON.parse(a), JSON.parse(b));
  } catch {
    return false;
  }
}

export async function mergeFile(input: MergeInput): Promise<MergeOutcome> {
  const { path, base, yours, generated } = input;
  switch (strategyFor(path, input.owner)) {
    case 'handlers': {
      // ts-morph only when a TypeScript merge is actually needed.
      const { mergeHandlers } = await import('./typescript.js');
      return mergeHandlers(path, base, yours, generated);
    }
    case 'keep':
      // Say so only when the difference means something (not a re-indented arch.plan.json).
      return { content: yours, conflict: false, notes: sameData(path, yours, generated) ? [] : ['yours (scaffolded): the template changed, your file was left as is'] };
    case 'json':
      return mergeJson(base, yours, generated, input.preferYours);
    case 'yaml':
      return mergeYaml(base, yours, generated, input.preferYours);
    case 'typescript': {
      const { mergeTypeScript } = await import('./typescript.js');
      return mergeTypeScript(path, base, yours, generated);
    }
    case 'text':
      return mergeText(base, yours, generated);
  }
}

export type { MergeOutcome } from './types.js';
