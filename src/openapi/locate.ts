/**
 * Line and column for problems found by JSON path in a spec's text, so a user can jump
 * to them. Uses the YAML Document the reader already parsed, or, for JSON (read with
 * JSON.parse, which keeps no positions), parses the text again with the `yaml` parser,
 * only when there is something to report.
 */
import { isMap, isNode, isScalar, parseDocument, type Document } from 'yaml';
import type { Problem } from '../errors.js';

export type Keys = ReadonlyArray<string | number>;

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function position(starts: number[], offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - starts[lo]! + 1 };
}

/** Adds line and column to each problem from its keys; the nearest existing ancestor when the exact node is not in the text. */
export function locateProblems(text: string, found: { problem: Problem; keys: Keys }[], parsed?: Document): void {
  if (!found.length) return;
  let doc: Document;
  try {
    doc = parsed ?? parseDocument(text, { uniqueKeys: false, prettyErrors: false });
  } catch {
    return;
  }
  const starts = lineStarts(text);
  for (const { problem, keys } of found) {
    for (let n = keys.length; n >= 0; n--) {
      // A mapping entry is located at its key (`bad/{x}:`), anything else at its node.
      const parent = n === 0 ? undefined : n === 1 ? doc.contents : doc.getIn(keys.slice(0, n - 1), true);
      const pair = isMap(parent) ? parent.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === keys[n - 1]) : undefined;
      const node = pair && isNode(pair.key) ? pair.key : n === 0 ? doc.contents : doc.getIn(keys.slice(0, n), true);
      if (isNode(node) && node.range) {
        Object.assign(problem, position(starts, node.range[0]));
        break;
      }
    }
  }
}
