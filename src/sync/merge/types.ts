/** What every merge strategy returns. */
export interface MergeOutcome {
  /** The merged text to write (with conflict markers when `conflict`). */
  content: string;
  conflict: boolean;
  /** Things the user should know (a handler whose operation disappeared, a key kept, ...). */
  notes: string[];
}

/** Labels on conflict markers: the disk side is the user's, the other side the new render. */
export const YOURS = 'yours';
export const GENERATED = 'generated';
export const MARK_START = `<<<<<<< ${YOURS}`;
export const MARK_MID = '=======';
export const MARK_END = `>>>>>>> ${GENERATED}`;

/** True when the text still holds a conflict block written by sync (or by git). */
export function hasConflictMarkers(text: string): boolean {
  return /^<<<<<<< /m.test(text) && /^=======$/m.test(text) && /^>>>>>>> /m.test(text);
}

/** A whole-file conflict: both sides in full, for when nothing finer applies. */
export function wholeFileConflict(yours: string, generated: string): string {
  const y = yours.endsWith('\n') ? yours : `${yours}\n`;
  const g = generated.endsWith('\n') ? generated : `${generated}\n`;
  return `${MARK_START}\n${y}${MARK_MID}\n${g}${MARK_END}\n`;
}
