/**
 * OpenAPI path templates -> Fastify (find-my-way 9) route URLs.
 *
 * find-my-way syntax facts this relies on (find-my-way/index.js, `_on`):
 * - `:name` starts a parameter; the name ends at `/`, `-`, `.`, `(` or the end, so
 *   `{Sid}.json` -> `:Sid.json` and `{lat}-{lng}` -> `:lat-:lng` work as they are;
 * - a parameter followed by anything else (another parameter, `_`, `~`, ...) needs an
 *   explicit regex, `:a([^/]+?)`, or its name would swallow the following text;
 * - `:` in static text must be doubled (`::`), `*` is a wildcard and may only end a route,
 *   `%` is compared in encoded form: paths with `*` or `%` are reported as unroutable;
 * - parameter names must not contain `-`, `.`, `(`, `:`, `*` or `?`: names that do are
 *   renamed (`pet-id` -> `pet_id`) and the mapping is reported so handlers can be given
 *   the spec's names.
 */

export interface PathParamName {
  /** Name in the spec (`{pet-id}`). */
  name: string;
  /** Name in the Fastify route and `request.params`. */
  routeName: string;
}

export type PathPiece = { kind: 'static'; text: string } | { kind: 'param'; name: string };

/** Problems that make a path unusable as a route, or [] when it is fine. */
export function pathProblems(path: string): string[] {
  const out: string[] = [];
  if (!path.startsWith('/')) out.push('must start with "/"');
  if (path.length > 2048) out.push('is longer than 2048 characters');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) out.push('contains control characters');
  if (path.includes('\\')) out.push('contains a backslash');
  const segments = routePath(path).split('/').slice(1);
  if (segments.some((s) => s === '..' || s === '.')) out.push('contains "." or ".." segments');
  if (segments.slice(0, -1).some((s) => s === '')) out.push('contains an empty segment ("//")');
  if (!out.length && parsePath(routePath(path)) === null) out.push('has unbalanced or empty "{...}" parameter braces');
  return out;
}

/**
 * The part of a `paths` key that is routed. Real documents (openai.yaml) add `?beta=true`
 * to a key to describe a variant of an operation; a query string is never part of the
 * route, so it is cut here (and the reader warns about it).
 */
export function routePath(path: string): string {
  const cut = path.search(/[?#]/);
  return cut === -1 ? path : path.slice(0, cut);
}

/** Splits a path template into static text and parameters; null when braces are malformed. */
export function parsePath(path: string): PathPiece[] | null {
  const pieces: PathPiece[] = [];
  let i = 0;
  while (i < path.length) {
    const open = path.indexOf('{', i);
    const close = path.indexOf('}', i);
    if (open === -1) {
      if (close !== -1) return null;
      pieces.push({ kind: 'static', text: path.slice(i) });
      break;
    }
    if (close !== -1 && close < open) return null;
    if (open > i) pieces.push({ kind: 'static', text: path.slice(i, open) });
    const end = path.indexOf('}', open);
    if (end === -1) return null;
    const name = path.slice(open + 1, end);
    if (!name || name.includes('{') || name.includes('/')) return null;
    pieces.push({ kind: 'param', name });
    i = end + 1;
  }
  return pieces;
}

function routeParamName(name: string, taken: Set<string>): string {
  const base = name.replace(/[^A-Za-z0-9_$]/g, '_') || 'param';
  let out = base;
  for (let i = 2; taken.has(out); i++) out = `${base}_${i}`;
  taken.add(out);
  return out;
}

export interface FastifyRoute {
  url: string;
  params: PathParamName[];
  /** Why the path cannot be routed (a `*` in static text), or undefined. */
  unroutable?: string;
}

/** The find-my-way URL for a (valid, see pathProblems) OpenAPI path template. */
export function toFastifyUrl(path: string): FastifyRoute {
  const pieces = parsePath(routePath(path)) ?? [{ kind: 'static', text: path }];
  const taken = new Set<string>();
  const params: PathParamName[] = [];
  let url = '';
  for (const [i, piece] of pieces.entries()) {
    if (piece.kind === 'static') {
      if (piece.text.includes('*')) return { url: '', params: [], unroutable: 'a "*" in a path is a wildcard in the router and cannot be matched literally' };
      // find-my-way compares static text with the request's percent-encoded form; a spec
      // path that itself contains `%` (an encoding, or a literal) has no reliable match.
      if (piece.text.includes('%')) return { url: '', params: [], unroutable: 'a "%" in a path template cannot be matched reliably; write the character itself' };
      url += piece.text.replaceAll(':', '::');
      continue;
    }
    const routeName = routeParamName(piece.name, taken);
    params.push({ name: piece.name, routeName });
    const next = pieces[i + 1];
    // The parameter name ends by itself only at the end, '/', '-' or '.'; otherwise bound it with a regex.
    const endsItself = !next || (next.kind === 'static' && /^[/.-]/.test(next.text));
    url += `:${routeName}${endsItself ? '' : '([^/]+?)'}`;
  }
  return { url: url || '/', params };
}
