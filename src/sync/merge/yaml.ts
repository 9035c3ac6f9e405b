/**
 * YAML merged by key with the `yaml` Document API: the merge is decided on plain values
 * (values.ts), then applied as a minimal patch to the user's parsed document, so their
 * comments, key order, quoting and anchors on untouched nodes stay as they were.
 * openapi.yaml, docker-compose.yml and k8s manifests go through here.
 */
import { isMap, isScalar, isSeq, parseDocument, type Document, type Node as YamlNode, type Pair } from 'yaml';
import { conflictFallback, keptNotes } from './json.js';
import { mergeText } from './text.js';
import type { MergeOutcome } from './types.js';
import { deepEqual, isRecord, itemKey, mergeData, type Data } from './values.js';

/** Output options: no line folding (it would rewrap the user's long strings). */
const TO_STRING = { lineWidth: 0 } as const;

function parseValue(text: string): { ok: true; value: Data } | { ok: false } {
  const doc = parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length) return { ok: false };
  return { ok: true, value: (doc.toJS({ maxAliasCount: 1000 }) ?? null) as Data };
}

function keyString(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

/** Patch `node` (whose plain value is `y`) so that its value becomes `m`; returns the node to keep. */
function patchNode(doc: Document, node: unknown, y: Data, m: Data): unknown {
  if (deepEqual(y, m)) return node;
  if (isMap(node) && isRecord(y) && isRecord(m)) {
    const items = node.items as Pair[];
    node.items = items.filter((pair) => {
      const k = keyString(pair.key);
      return !(Object.prototype.hasOwnProperty.call(y, k) && !Object.prototype.hasOwnProperty.call(m, k));
    });
    for (const pair of node.items as Pair[]) {
      const k = keyString(pair.key);
      if (Object.prototype.hasOwnProperty.call(m, k) && Object.prototype.hasOwnProperty.call(y, k)) {
        pair.value = patchNode(doc, pair.value, y[k]!, m[k]!);
      }
    }
    for (const k of Object.keys(m)) {
      if (!Object.prototype.hasOwnProperty.call(y, k)) node.items.push(doc.createPair(k, m[k]) as Pair);
    }
    return node;
  }
  if (isSeq(node) && Array.isArray(y) && Array.isArray(m) && node.items.length === y.length) {
    const used = new Set<number>();
    node.items = m.map((mi) => {
      let idx = y.findIndex((yi, i) => !used.has(i) && deepEqual(yi, mi));
      const key = itemKey(mi);
      if (idx < 0 && key !== undefined) idx = y.findIndex((yi, i) => !used.has(i) && itemKey(yi) === key);
      if (idx < 0) return doc.createNode(mi);
      used.add(idx);
      return patchNode(doc, node.items[idx], y[idx]!, mi);
    }) as YamlNode[];
    return node;
  }
  return doc.createNode(m);
}

export function mergeYaml(base: string, yours: string, generated: string, preferYours = false): MergeOutcome {
  const doc = parseDocument(yours, { uniqueKeys: false });
  const g = parseValue(generated);
  const b = base === '' ? ({ ok: true, value: {} } as const) : parseValue(base);
  if (doc.errors.length || !g.ok || !b.ok) {
    const text = mergeText(base, yours, generated);
    return { ...text, notes: [...text.notes, 'not valid YAML on one side: merged line by line'] };
  }
  const y = (doc.toJS({ maxAliasCount: 1000 }) ?? null) as Data;
  const merged = mergeData(b.value, y, g.value);
  if (merged.conflicts.length && !preferYours) return conflictFallback(base, yours, generated, merged.conflicts);
  const notes = keptNotes(merged.conflicts);
  const m = merged.value as Data;
  if (deepEqual(m, y)) return { content: yours, conflict: false, notes };
  doc.contents = patchNode(doc, doc.contents, y, m) as typeof doc.contents;
  return { content: doc.toString(TO_STRING), conflict: false, notes };
}
