/**
 * Reading plan and spec documents from disk with errors that point at the line and
 * column. JSON is parsed with JSON.parse (fast, exact); YAML with the `yaml` package,
 * whose errors carry line positions.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { parseDocument } from 'yaml';
import { InputError } from '../errors.js';
import { validatePlan } from './validate.js';
import type { Plan } from './schema.js';

/** Largest plan or spec we read: a hostile 1 GB file must not take the process down. */
export const MAX_DOCUMENT_BYTES = 64 * 1024 * 1024;

export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return { line, column: offset - last };
}

/** Parse JSON or YAML text; throws InputError with line and column on a syntax error. */
export function parseDocumentText(text: string, file: string): unknown {
  const isJson = /\.json$/i.test(file) || /^\s*[{[]/.test(text);
  if (isJson) {
    try {
      return JSON.parse(text);
    } catch (err) {
      // Node 20's JSON.parse does not always say where; jsonc-parser (VS Code's) does, with offsets.
      const errors: ParseError[] = [];
      parseJsonc(text, errors, { allowTrailingComma: false, disallowComments: true });
      const first = errors[0];
      const where = first ? lineColumn(text, first.offset) : undefined;
      const reason = first ? printParseErrorCode(first.error) : (err as Error).message;
      throw new InputError(file, [{ path: '', message: `malformed JSON: ${reason}`, ...where }], 'cannot parse');
    }
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) {
    throw new InputError(
      file,
      doc.errors.map((e) => ({ path: '', message: `malformed YAML: ${e.message.split('\n')[0]}`, line: e.linePos?.[0]?.line, column: e.linePos?.[0]?.col })),
      'cannot parse',
    );
  }
  try {
    return doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    // e.g. an alias bomb ("billion laughs"): refuse instead of expanding it.
    throw new InputError(file, [{ path: '', message: `unusable YAML: ${(err as Error).message}` }], 'cannot parse');
  }
}

export async function readDocument(file: string): Promise<{ text: string; value: unknown }> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    throw new InputError(file, [{ path: '', message: 'file not found or not readable' }], 'cannot read');
  }
  if (size > MAX_DOCUMENT_BYTES) throw new InputError(file, [{ path: '', message: `file is larger than ${MAX_DOCUMENT_BYTES} bytes` }], 'cannot read');
  const text = await readFile(file, 'utf8');
  return { text, value: parseDocumentText(text, file) };
}

export async function loadPlanFile(file: string): Promise<Plan> {
  const { value } = await readDocument(file);
  return validatePlan(value, path.relative(process.cwd(), file) || file);
}
