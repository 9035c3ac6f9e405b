/**
 * Handlebars environment shared by every generator: templates are read from
 * `templates/<generator>/` once and compiled once per process (the bulk path renders
 * thousands of files; compiling per file would dominate).
 *
 * Why handlebars directly rather than one node-plop `add` action per file: node-plop
 * costs about 2.5 s for 21 services x 40 templates (DESIGN.md §6), too slow for the bulk
 * path. We register the same case helpers plop provides, so templates stay plop-compatible,
 * and keep node-plop for the interactive `add` generators (generators/plopfile.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { names } from '../plan/normalize.js';
import { packageRoot } from '../paths.js';

const hb = Handlebars.create();

hb.registerHelper('camelCase', (s: string) => names(String(s)).camel);
hb.registerHelper('pascalCase', (s: string) => names(String(s)).pascal);
hb.registerHelper('properCase', (s: string) => names(String(s)).pascal);
hb.registerHelper('kebabCase', (s: string) => names(String(s)).kebab);
hb.registerHelper('dashCase', (s: string) => names(String(s)).kebab);
hb.registerHelper('constantCase', (s: string) => names(String(s)).constant);
hb.registerHelper('snakeCase', (s: string) => names(String(s)).snake);
hb.registerHelper('json', (v: unknown) => new hb.SafeString(JSON.stringify(v)));
hb.registerHelper('jsonPretty', (v: unknown, indent?: unknown) => new hb.SafeString(JSON.stringify(v, null, typeof indent === 'number' ? indent : 2)));
hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
hb.registerHelper('ne', (a: unknown, b: unknown) => a !== b);
hb.registerHelper('and', (...args: unknown[]) => args.slice(0, -1).every(Boolean));
hb.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean));
hb.registerHelper('not', (a: unknown) => !a);
hb.registerHelper('upper', (s: string) => String(s).toUpperCase());
hb.registerHelper('lower', (s: string) => String(s).toLowerCase());
hb.registerHelper('join', (list: unknown[], sep: unknown) => (Array.isArray(list) ? list.join(typeof sep === 'string' ? sep : ', ') : ''));
/** A string as a TypeScript/JS string literal (safe for any input). */
hb.registerHelper('str', (v: unknown) => new hb.SafeString(JSON.stringify(String(v ?? ''))));
/** A string as a single-line comment-safe text. */
hb.registerHelper('oneLine', (v: unknown) => String(v ?? '').replace(/\s+/g, ' ').replace(/\*\//g, '*\\/').trim());

const cache = new Map<string, Handlebars.TemplateDelegate>();

export function templatePath(generator: string, file: string): string {
  return path.join(packageRoot(), 'templates', generator, file);
}

/** Render `templates/<generator>/<file>` with `data`. Templates are compiled once. */
export function renderTemplate(generator: string, file: string, data: unknown): string {
  const key = `${generator}/${file}`;
  let tpl = cache.get(key);
  if (!tpl) {
    const source = readFileSync(templatePath(generator, file), 'utf8');
    // noEscape: we render code and YAML, not HTML; values are escaped for their language by helpers (str, json).
    tpl = hb.compile(source, { noEscape: true });
    cache.set(key, tpl);
  }
  return tpl(data);
}

export { hb as handlebars };
