/**
 * The OpenAPI corpus the tests run over: the small documents vendored in
 * test/fixtures/openapi/ (see ATTRIBUTION.md), plus the two large ones (openai.yaml,
 * twilio) read from ../shared/corpus/openapi/ when that folder exists.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const root = path.resolve(import.meta.dirname, '../..');
const fixtures = path.join(root, 'test/fixtures/openapi');
const shared = path.resolve(root, '../shared/corpus/openapi');

export const SMALL = [
  'oai-petstore.yaml',
  'oai-petstore-expanded.yaml',
  'oai-uspto.yaml',
  'oai-callback-example.yaml',
  'oai-webhook-example.yaml',
  'oai-non-oauth-scopes.json',
  'swagger-petstore3.yaml',
  'redoc-demo-petstore.yaml',
  'museum.yaml',
] as const;
export const LARGE = ['openai.yaml', 'twilio-api-v2010.json'] as const;

export interface CorpusDoc {
  name: string;
  file: string;
  text: string;
}

export function corpus(): { docs: CorpusDoc[]; missing: string[] } {
  const docs: CorpusDoc[] = SMALL.map((name) => ({ name, file: path.join(fixtures, name), text: readFileSync(path.join(fixtures, name), 'utf8') }));
  const missing: string[] = [];
  for (const name of LARGE) {
    const file = path.join(shared, name);
    if (existsSync(file)) docs.push({ name, file, text: readFileSync(file, 'utf8') });
    else missing.push(name);
  }
  if (missing.length) console.warn(`[openapi corpus] skipping ${missing.join(', ')}: not found in ${shared}`);
  return { docs, missing };
}
