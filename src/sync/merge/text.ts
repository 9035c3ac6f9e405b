/**
 * Line-based three-way merge (diff3) for text without a structure we understand, and the
 * fallback for structured files when a key-level merge finds a true conflict. node-diff3
 * does the merge; its `mergeDigIn` narrows each conflict to the lines that really differ
 * between the two sides, so a conflict block is as small as it can be.
 */
import { mergeDigIn } from 'node-diff3';
import { GENERATED, YOURS, type MergeOutcome } from './types.js';

function lines(text: string): string[] {
  return text.split('\n');
}

/** Three-way merge of `yours` (disk) and `generated` (new render) against `base` (last render). */
export function mergeText(base: string, yours: string, generated: string): MergeOutcome {
  if (yours === generated) return { content: yours, conflict: false, notes: [] };
  if (yours === base) return { content: generated, conflict: false, notes: [] };
  if (generated === base) return { content: yours, conflict: false, notes: [] };
  const merged = mergeDigIn<string>(lines(yours), lines(base), lines(generated), { label: { a: YOURS, b: GENERATED } });
  return { content: merged.result.join('\n'), conflict: merged.conflict, notes: [] };
}
