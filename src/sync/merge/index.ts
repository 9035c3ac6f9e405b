/**
 * Picks the merge strategy for a file from its owner and extension (DESIGN.md §4):
 * structure-aware where we understand the structure, diff3 everywhere else.
 */
import type { Owner } from '../../render/tree.js';
import { mergeText } from './text.js';
import type { MergeOutcome } from './types.js';

export interface MergeInput {
  path: string;
  owner: Owner;
  /** Last pristine render; '' when there is none (adopting a file that was already there). */
  base: string;
  yours: string;
  generated: string;
}

export async function mergeFile(input: MergeInput): Promise<MergeOutcome> {
  return mergeText(input.base, input.yours, input.generated);
}

export type { MergeOutcome } from './types.js';
