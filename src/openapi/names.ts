/**
 * Names derived from a spec: handler identifiers and handler file (group) names.
 * Both come from documents we do not control, so both are sanitized here: a handler
 * name must be a valid TypeScript identifier, a group name becomes a file name.
 */

/** ECMAScript reserved words, strict-mode reserved words, TypeScript keywords and globals that cannot be rebound in a module. */
const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for function if ' +
    'import in instanceof new null return super switch this throw true try typeof var void while with yield let static ' +
    'implements interface package private protected public await arguments eval undefined NaN Infinity constructor prototype ' +
    'any boolean number string symbol object never unknown type namespace module declare abstract async as of get set from require'
  ).split(' '),
);

/** Windows device names (and `index`, the handlers barrel) cannot be handler file names. */
const RESERVED_FILES = new Set(['con', 'prn', 'aux', 'nul', 'index', ...Array.from({ length: 9 }, (_, i) => [`com${i + 1}`, `lpt${i + 1}`]).flat()]);

export const MAX_IDENTIFIER = 100;
export const MAX_GROUP = 60;

/** Strips diacritics so `créer` becomes `creer` rather than losing the letter. */
function ascii(s: string): string {
  return s.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
}

function words(s: string): string[] {
  return ascii(s).split(/[^A-Za-z0-9]+/).filter(Boolean);
}

const cap = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);

/** camelCase from words: the first word keeps its inner capitals (`getPetById`) unless it is all upper case (`URL` -> `url`). */
function camel(parts: string[]): string {
  if (!parts.length) return '';
  const [first, ...rest] = parts as [string, ...string[]];
  const head = first === first.toUpperCase() ? first.toLowerCase() : first.charAt(0).toLowerCase() + first.slice(1);
  return head + rest.map(cap).join('');
}

/** A valid identifier from arbitrary text, or '' when nothing usable is left. */
export function toIdentifier(text: string): string {
  let id = camel(words(text));
  if (!id) return '';
  if (/^[0-9]/.test(id)) id = `op${id}`;
  if (id.length > MAX_IDENTIFIER) id = id.slice(0, MAX_IDENTIFIER);
  if (RESERVED.has(id)) id = `${id}Op`;
  return id;
}

/** `get` + `/pets/{petId}` -> `getPetsPetId`; `/` -> `getRoot`. */
export function identifierFromRoute(method: string, path: string): string {
  const segs = words(path);
  return toIdentifier([method, ...(segs.length ? segs : ['root'])].map((w, i) => (i === 0 ? w : cap(w))).join(' '));
}

/**
 * Makes names unique in the given order: the second `listPets` becomes `listPets2`.
 * Compared case-insensitively so names stay distinct as file or export names on
 * case-insensitive file systems.
 */
export function uniqueNames(names: readonly string[]): string[] {
  const taken = new Set<string>();
  return names.map((name) => {
    let out = name;
    for (let i = 2; taken.has(out.toLowerCase()); i++) out = `${name}${i}`;
    taken.add(out.toLowerCase());
    return out;
  });
}

/** kebab-case, [a-z0-9-] only, at most MAX_GROUP characters; '' when nothing is left. */
export function toKebab(text: string): string {
  const spaced = ascii(text)
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2');
  return spaced
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_GROUP)
    .replace(/-+$/, '');
}

/** Path segments that name a version or an API prefix, not a resource. */
const NOT_A_RESOURCE = /^(v\d+(\.\d+)*|api|rest|\d{4}-\d{2}-\d{2}|\d+(\.\d+)*)$/i;

/**
 * Handler file name (no extension) for an operation: its first tag, else the first
 * static path segment that is not a version (`/v1/pets/{id}` -> `pets`), else `root`.
 * Safe as a file name everywhere: [a-z0-9-], never empty, never a reserved device name.
 */
export function groupName(tags: readonly string[], path: string): string {
  let group = tags.length ? toKebab(tags[0]!) : '';
  if (!group) {
    const statics = path.split('/').filter((s) => s && !s.includes('{') && !NOT_A_RESOURCE.test(s));
    group = statics.length ? toKebab(statics[0]!.replace(/\.[A-Za-z0-9]+$/, '')) : '';
  }
  if (!group) group = 'root';
  if (RESERVED_FILES.has(group)) group = `${group}-api`;
  return group;
}
