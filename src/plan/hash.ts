import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level: the same plan always hashes the same, whatever its key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Hash of the plan's topology; provenance and $schema do not change what is generated. */
export function planHash(plan: object): string {
  const { provenance: _p, $schema: _s, ...rest } = plan as Record<string, unknown>;
  return sha256(canonicalJson(rest));
}
