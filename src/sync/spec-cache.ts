/**
 * The parsed openapi.yaml of each service, cached as JSON under .arch/cache/ so that a
 * sync after one spec edit does not YAML-parse the other specs again (the docs generator
 * needs every service's API; parsing 50 specs costs ~0.25 s, JSON.parse a fraction).
 *
 * An entry is used only when its key (this tool's version and generator fingerprint plus
 * the sha256 of the exact spec text) matches; a missing, corrupt or stale entry means
 * parse. A document that does not survive JSON unchanged (NaN, Infinity, -0, alias
 * cycles) is not cached. Plain writes: a torn entry fails JSON.parse or the key check.
 * The folder ignores itself in git: it is a cache, not a record.
 */
import { isDeepStrictEqual } from 'node:util';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseSpec, type ParsedSpec } from '../openapi/read.js';
import { specPath } from '../render/pipeline.js';
import { hashContent } from './manifest.js';

export const SPEC_CACHE_DIR = '.arch/cache/openapi';
const GITIGNORE = '.arch/cache/.gitignore';

export interface SpecCache {
  /** Parsed specs by service, for renderSystem's parsedSpecs. */
  parsed: Map<string, ParsedSpec>;
  /** Writes the entries that were missing or stale; call only when the sync writes. */
  save(): Promise<void>;
}

function entryFile(root: string, service: string): string {
  return path.join(root, ...SPEC_CACHE_DIR.split('/'), `${service}.json`);
}

/**
 * Each spec parsed, from the cache when its entry matches. A spec that fails to parse is
 * left out: readServiceApi parses it again and reports the error with its line.
 */
export async function loadSpecCache(root: string, specTexts: ReadonlyMap<string, string>, keyPrefix: string): Promise<SpecCache> {
  const parsed = new Map<string, ParsedSpec>();
  const pending: [string, string][] = [];
  await Promise.all(
    [...specTexts].map(async ([service, text]) => {
      const key = hashContent(`${keyPrefix}\u0000${text}`);
      try {
        const entry = JSON.parse(readFileSync(entryFile(root, service), 'utf8')) as { key?: unknown; document?: unknown };
        if (entry.key === key && 'document' in entry) {
          parsed.set(service, { value: entry.document });
          return;
        }
      } catch {
        // missing or corrupt: parse below
      }
      let spec: ParsedSpec;
      try {
        spec = parseSpec(text, specPath(service));
      } catch {
        return;
      }
      parsed.set(service, spec);
      let json: string;
      try {
        json = JSON.stringify(spec.value);
        if (json === undefined || !isDeepStrictEqual(JSON.parse(json), spec.value)) return;
      } catch {
        return; // cyclic (YAML aliases): not representable as JSON
      }
      pending.push([service, `{"key":${JSON.stringify(key)},"document":${json}}\n`]);
    }),
  );
  return {
    parsed,
    async save() {
      if (!pending.length) return;
      try {
        await mkdir(path.join(root, ...SPEC_CACHE_DIR.split('/')), { recursive: true });
        await writeFile(path.join(root, ...GITIGNORE.split('/')), '*\n');
        await Promise.all(pending.sort(([a], [b]) => (a < b ? -1 : 1)).map(([service, content]) => writeFile(entryFile(root, service), content)));
      } catch {
        // A cache that cannot be written costs the next sync a parse, nothing more.
      }
    },
  };
}
