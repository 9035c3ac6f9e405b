/**
 * JSON merged by key (package.json, tsconfig.json, ...). The result keeps the user's key
 * order and indentation. On a true conflict the file falls back to a line merge with
 * standard markers, so the conflict is shown where it is.
 */
import { deepEqual, mergeData, type Data } from './values.js';
import { mergeText } from './text.js';
import { wholeFileConflict, type MergeOutcome } from './types.js';

function parse(text: string): Data | undefined {
  try {
    return JSON.parse(text) as Data;
  } catch {
    return undefined;
  }
}

function indentOf(text: string): string | number {
  const m = /\n([ \t]+)\S/.exec(text);
  return m ? m[1]! : 2;
}

export function mergeJson(base: string, yours: string, generated: string, preferYours = false): MergeOutcome {
  const y = parse(yours);
  const g = parse(generated);
  const b = base === '' ? undefined : parse(base);
  if (y === undefined || g === undefined || (base !== '' && b === undefined)) {
    const text = mergeText(base, yours, generated);
    return { ...text, notes: [...text.notes, 'not valid JSON on one side: merged line by line'] };
  }
  const merged = mergeData(b === undefined ? {} : b, y, g);
  if (merged.conflicts.length && !preferYours) return conflictFallback(base, yours, generated, merged.conflicts);
  const notes = keptNotes(merged.conflicts);
  if (deepEqual(merged.value, y)) return { content: yours, conflict: false, notes };
  const content = `${JSON.stringify(merged.value, null, indentOf(yours))}\n`;
  return { content, conflict: false, notes };
}

export function keptNotes(paths: string[]): string[] {
  return paths.length ? [`you and the generator both changed ${paths.join(', ')}: kept yours`] : [];
}

/** Line-level markers around the conflicting keys; a whole-file block if lines alone merge cleanly. */
export function conflictFallback(base: string, yours: string, generated: string, paths: string[]): MergeOutcome {
  const notes = [`both you and the generator changed: ${paths.join(', ')}`];
  const text = mergeText(base, yours, generated);
  if (text.conflict) return { content: text.content, conflict: true, notes };
  return { content: wholeFileConflict(yours, generated), conflict: true, notes };
}
