/**
 * YAML output through the `yaml` Document API rather than string templates: key order is
 * the order we build, quoting is decided by the library (a value such as "3001" or "yes"
 * stays a string), and comments are nodes the sync engine's key-level merge keeps.
 */
import { Document, isMap, isPair, isScalar, isSeq, Scalar, visit, type Node } from 'yaml';

export interface YamlOptions {
  /** Comment block at the top of the document. */
  header?: string;
  /** Keys whose scalar values (at any depth below them) are double-quoted, e.g. `ports`, `environment`. */
  quoteUnder?: readonly string[];
  /** Keys whose sequence values are written in flow style, e.g. healthcheck `test: [CMD, ...]`. */
  flowSeqKeys?: readonly string[];
  /** Comments placed before the value of a key path (dot-separated), e.g. `services.otel-collector`. */
  comments?: Readonly<Record<string, string>>;
}

export const STRINGIFY = { lineWidth: 0, indent: 2, indentSeq: true, flowCollectionPadding: false } as const;

function keyOf(node: unknown): string | undefined {
  return isScalar(node) ? String(node.value) : undefined;
}

/** Builds a Document from plain data and applies quoting, flow style and comments. */
export function yamlDocument(value: unknown, options: YamlOptions = {}): Document {
  // No anchors/aliases for repeated objects: every entry reads on its own and merges by key.
  const doc = new Document(value, { aliasDuplicateObjects: false });
  if (options.header) doc.commentBefore = options.header.split('\n').map((l) => (l ? ` ${l}` : '')).join('\n');

  const quote = new Set(options.quoteUnder ?? []);
  const flow = new Set(options.flowSeqKeys ?? []);
  visit(doc, {
    Pair(_key, pair) {
      const k = keyOf(pair.key);
      if (k === undefined || !pair.value) return;
      if (flow.has(k) && isSeq(pair.value)) pair.value.flow = true;
      if (quote.has(k)) {
        visit(pair.value as Node, {
          Scalar(k, s) {
            // Values only: keys such as environment variable names stay plain.
            if (k !== 'key' && typeof s.value === 'string') s.type = Scalar.QUOTE_DOUBLE;
          },
        });
      }
    },
  });

  for (const [path, comment] of Object.entries(options.comments ?? {})) {
    const keys = path.split('.');
    const node = doc.getIn(keys, true) as Node | undefined;
    if (!node) throw new Error(`internal: no YAML node at ${path} for a comment`);
    const parent = doc.getIn(keys.slice(0, -1), true);
    // A comment before a map entry belongs on its key, so it prints above `name:`.
    if (isMap(parent)) {
      const pair = parent.items.find((p) => isPair(p) && keyOf(p.key) === keys[keys.length - 1]);
      if (pair && isScalar(pair.key)) {
        pair.key.commentBefore = comment.split('\n').map((l) => (l ? ` ${l}` : '')).join('\n');
        continue;
      }
    }
    node.commentBefore = comment;
  }
  return doc;
}

export function yamlText(value: unknown, options: YamlOptions = {}): string {
  return yamlDocument(value, options).toString(STRINGIFY);
}

/** A multi-document YAML stream (Kubernetes manifests), documents separated by `---`. */
export function yamlStream(docs: readonly Document[]): string {
  return docs.map((d) => d.toString(STRINGIFY)).join('---\n');
}
