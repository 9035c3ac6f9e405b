/**
 * Three-way merge of plain data (what JSON and YAML documents hold), key by key:
 *   - a key only one side changed takes that side's value; keys added on either side are kept;
 *   - a key deleted on one side and unchanged on the other is deleted;
 *   - lists of scalars merge as sets (the user's additions stay, the generator's additions
 *     and removals apply); lists of named objects (`name`, or `name` + `in` as in OpenAPI
 *     parameters) merge item by item;
 *   - anything else changed differently on both sides is a conflict (the user's value is
 *     kept in the result; the caller decides how to show it).
 */
export type Data = null | boolean | number | string | Data[] | { [key: string]: Data };
export const ABSENT: unique symbol = Symbol('absent');
export type Slot = Data | typeof ABSENT;

export function isRecord(v: unknown): v is { [key: string]: Data } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Structural equality; object key order does not matter (it carries no meaning in JSON or YAML). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** Identity of a list item that is a named object, so lists merge item by item. */
export function itemKey(v: unknown): string | undefined {
  if (!isRecord(v) || typeof v.name !== 'string') return undefined;
  return typeof v.in === 'string' ? `${v.in}:${v.name}` : v.name;
}

export interface DataMerge {
  value: Slot;
  /** JSON-pointer-like paths of true conflicts. */
  conflicts: string[];
}

function get(o: Slot, k: string): Slot {
  return isRecord(o) && Object.prototype.hasOwnProperty.call(o, k) ? o[k]! : ABSENT;
}

function same(a: Slot, b: Slot): boolean {
  return a === ABSENT || b === ABSENT ? a === b : deepEqual(a, b);
}

function pathOf(keys: readonly (string | number)[]): string {
  return keys.length ? keys.map((k) => String(k)).join('.') : '(document)';
}

export function mergeData(base: Slot, yours: Slot, generated: Slot): DataMerge {
  const conflicts: string[] = [];
  const value = merge3(base, yours, generated, [], conflicts);
  return { value, conflicts };
}

function merge3(b: Slot, y: Slot, g: Slot, at: (string | number)[], conflicts: string[]): Slot {
  if (same(y, g)) return y;
  if (same(y, b)) return g;
  if (same(g, b)) return y;
  if (isRecord(y) && isRecord(g) && (b === ABSENT || isRecord(b))) {
    const out: { [key: string]: Data } = {};
    const keys = [...Object.keys(y), ...Object.keys(g).filter((k) => !Object.prototype.hasOwnProperty.call(y, k))];
    for (const k of keys) {
      const v = merge3(get(b, k), get(y, k), get(g, k), [...at, k], conflicts);
      if (v !== ABSENT) out[k] = v;
    }
    return out;
  }
  if (Array.isArray(y) && Array.isArray(g) && (b === ABSENT || Array.isArray(b))) {
    const merged = mergeLists(b === ABSENT ? [] : b, y, g, at, conflicts);
    if (merged) return merged;
  }
  conflicts.push(pathOf(at));
  return y;
}

/** Lists of scalars as sets; lists whose items are all named objects item by item; else undefined. */
function mergeLists(b: Data[], y: Data[], g: Data[], at: (string | number)[], conflicts: string[]): Data[] | undefined {
  const all = [...b, ...y, ...g];
  const scalars = all.every((v) => v === null || typeof v !== 'object');
  if (scalars) {
    const has = (list: Data[], v: Data) => list.some((x) => x === v);
    const kept = y.filter((v) => !(has(b, v) && !has(g, v)));
    const added = g.filter((v) => !has(b, v) && !has(y, v));
    return [...kept, ...added];
  }
  const keyed = all.every((v) => itemKey(v) !== undefined);
  if (!keyed) return undefined;
  const byKey = (list: Data[]) => new Map(list.map((v) => [itemKey(v)!, v]));
  const bm = byKey(b);
  const ym = byKey(y);
  const gm = byKey(g);
  if (bm.size !== b.length || ym.size !== y.length || gm.size !== g.length) return undefined; // duplicate names: no identity
  const out: Data[] = [];
  const order = [...ym.keys(), ...[...gm.keys()].filter((k) => !ym.has(k))];
  for (const k of order) {
    const v = merge3(bm.get(k) ?? ABSENT, ym.get(k) ?? ABSENT, gm.get(k) ?? ABSENT, [...at, k], conflicts);
    if (v !== ABSENT) out.push(v);
  }
  return out;
}
