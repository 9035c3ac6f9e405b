/**
 * YAML merged by key with the `yaml` Document API: the merge is decided on plain values
 * (values.ts), then applied as a minimal patch to the user's parsed document, so their
 * comments, key order, quoting and anchors on untouched nodes stay as they were.
 * openapi.yaml, docker-compose.yml and k8s manifests go through here.
 */
import { Document, isMap, isNode, isScalar, isSeq, parseDocument, type Node as YamlNode, type Pair } from 'yaml';
import { conflictFallback, keptNotes } from './json.js';
import { mergeText } from './text.js';
import type { MergeOutcome } from './types.js';
import { deepEqual, isRecord, itemKey, mergeData, type Data } from './values.js';

/**
 * Output options: no line folding (it would rewrap the user's long strings) and flow
 * collections written `[a, b]`, as the generators write them (yaml's default pads them).
 */
const TO_STRING = { lineWidth: 0, flowCollectionPadding: false } as const;

function parseValue(text: string): { ok: true; value: Data; doc?: Document } | { ok: false } {
  const doc = parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length) return { ok: false };
  return { ok: true, value: (doc.toJS({ maxAliasCount: 1000 }) ?? null) as Data, doc };
}

function keyString(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

function nodeValue(node: unknown): unknown {
  return isNode(node) ? node.toJS(new Document()) : node;
}

/** The generated document's child of `node` under key `k` (maps) or equal to `v` (sequences). */
function childOf(node: unknown, k: string): unknown {
  if (!isMap(node)) return undefined;
  return (node.items as Pair[]).find((p) => keyString(p.key) === k)?.value;
}

/**
 * A node for value `m`: the generator's own node when it holds exactly that value (its
 * quoting and flow style come along), else a fresh one.
 */
function nodeFor(doc: Document, m: Data, g: unknown): unknown {
  if (isNode(g) && deepEqual(nodeValue(g), m)) return g.clone();
  return doc.createNode(m);
}

/** Patch `node` (whose plain value is `y`) so that its value becomes `m`; `g` is the generated document's node there. */
function patchNode(doc: Document, node: unknown, y: Data, m: Data, g: unknown): unknown {
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
        pair.value = patchNode(doc, pair.value, y[k]!, m[k]!, childOf(g, k));
      }
    }
    for (const k of Object.keys(m)) {
      if (Object.prototype.hasOwnProperty.call(y, k)) continue;
      const gPair = isMap(g) ? (g.items as Pair[]).find((p) => keyString(p.key) === k) : undefined;
      const pair = doc.createPair(k, null) as Pair;
      if (gPair && isNode(gPair.key)) pair.key = gPair.key.clone();
      pair.value = nodeFor(doc, m[k]!, gPair?.value);
      node.items.push(pair);
    }
    return node;
  }
  if (isSeq(node) && Array.isArray(y) && Array.isArray(m) && node.items.length === y.length) {
    const used = new Set<number>();
    const gItems = isSeq(g) ? g.items : [];
    node.items = m.map((mi) => {
      let idx = y.findIndex((yi, i) => !used.has(i) && deepEqual(yi, mi));
      const key = itemKey(mi);
      if (idx < 0 && key !== undefined) idx = y.findIndex((yi, i) => !used.has(i) && itemKey(yi) === key);
      const gi = gItems.find((n) => deepEqual(nodeValue(n), mi)) ?? (key !== undefined ? gItems.find((n) => itemKey(nodeValue(n)) === key) : undefined);
      if (idx < 0) return nodeFor(doc, mi, gi);
      used.add(idx);
      return patchNode(doc, node.items[idx], y[idx]!, mi, gi);
    }) as YamlNode[];
    return node;
  }
  // A scalar or a changed shape: the generator's node if it has this value, keeping the
  // user's comment on the node it replaces.
  const next = nodeFor(doc, m, g);
  if (isNode(node) && isNode(next)) {
    if (node.comment && !next.comment) next.comment = node.comment;
    if (node.commentBefore && !next.commentBefore) next.commentBefore = node.commentBefore;
  }
  return next;
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
  doc.contents = patchNode(doc, doc.contents, y, m, g.doc?.contents) as typeof doc.contents;
  return { content: doc.toString(TO_STRING), conflict: false, notes };
}
