/**
 * Model ids: the aliases an agent file or `--model` may use, mapped to the newest id of
 * each family that the installed SDK knows, and a price table for cost estimates.
 *
 * The SDK's `Model` type is the list of current ids, but it exists only as a type. We read
 * it from the installed declaration file, so upgrading the SDK upgrades the aliases; the
 * fallback below is what SDK 1.10.0 lists, used only if the declaration cannot be read.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { UsageError } from '../errors.js';

export const ALIASES = ['sonnet', 'opus', 'haiku'] as const;
export type Alias = (typeof ALIASES)[number];

/** What `inherit` resolves to: there is no parent conversation to inherit a model from here. */
export const DEFAULT_ALIAS: Alias = 'sonnet';

/** Newest id per family in @anthropic-ai/sdk 1.10.0 (checked against its `Model` type by a test). */
export const FALLBACK_IDS: Record<Alias, string> = {
  sonnet: 'claude-sonnet-5-5',
  opus: 'claude-opus-5-5',
  haiku: 'claude-haiku-5-5',
};

const requireFromHere = createRequire(import.meta.url);

/** The string literals of `export type Model = ...;` in the installed SDK. */
export function sdkModelIds(): string[] {
  try {
    const entry = requireFromHere.resolve('@anthropic-ai/sdk');
    const dts = readFileSync(path.join(path.dirname(entry), 'resources', 'messages', 'messages.d.ts'), 'utf8');
    const decl = /export type Model =([\s\S]*?);/.exec(dts);
    if (!decl) return [];
    return [...decl[1]!.matchAll(/'([^']+)'/g)].map((m) => m[1]!);
  } catch {
    return [];
  }
}

interface Version {
  family: Alias;
  major: number;
  minor: number;
  dated: boolean;
}

/** claude-sonnet-5-5 -> {sonnet, 5, 5}; claude-haiku-4-5-20251001 -> {haiku, 4, 5, dated}. */
export function parseModelId(id: string): Version | undefined {
  const m = /^claude-(sonnet|opus|haiku)-(\d+)(?:-(\d{1,2}))?(?:-(\d{8}))?$/.exec(id);
  if (!m) return undefined;
  return { family: m[1] as Alias, major: Number(m[2]), minor: Number(m[3] ?? 0), dated: m[4] !== undefined };
}

let cached: Record<Alias, string> | undefined;

/** The newest id of each family in the installed SDK; the undated alias id when there is one. */
export function newestIds(ids: string[] = sdkModelIds()): Record<Alias, string> {
  if (ids.length === 0) return { ...FALLBACK_IDS };
  const best = new Map<Alias, { id: string; v: Version }>();
  for (const id of ids) {
    const v = parseModelId(id);
    if (!v) continue;
    const cur = best.get(v.family);
    const newer =
      !cur ||
      v.major > cur.v.major ||
      (v.major === cur.v.major && v.minor > cur.v.minor) ||
      (v.major === cur.v.major && v.minor === cur.v.minor && cur.v.dated && !v.dated);
    if (newer) best.set(v.family, { id, v });
  }
  return {
    sonnet: best.get('sonnet')?.id ?? FALLBACK_IDS.sonnet,
    opus: best.get('opus')?.id ?? FALLBACK_IDS.opus,
    haiku: best.get('haiku')?.id ?? FALLBACK_IDS.haiku,
  };
}

/**
 * `--model` wins over the agent file. `inherit` and aliases map to the newest ids; a full
 * id passes through untouched (the API is the judge of whether it exists).
 */
export function resolveModel(fromAgent: string, override?: string): string {
  const wanted = (override ?? fromAgent).trim();
  if (!wanted) throw new UsageError('--model needs a value: an alias (sonnet, opus, haiku) or a full model id');
  if (!/^[A-Za-z0-9._:@/-]{1,100}$/.test(wanted)) throw new UsageError(`"${wanted}" is not a model id or alias (sonnet, opus, haiku)`);
  cached ??= newestIds();
  if (wanted === 'inherit') return cached[DEFAULT_ALIAS];
  if ((ALIASES as readonly string[]).includes(wanted)) return cached[wanted as Alias];
  return wanted;
}

/** USD per million tokens. Cache writes (5-minute) cost 1.25x input, cache reads 0.1x input. */
export interface Price {
  input: number;
  output: number;
}

/**
 * Documented prices. A model missing here gets no cost estimate rather than a guess.
 * Keyed by the undated id; dated ids are looked up by their undated prefix.
 */
export const PRICES: Readonly<Record<string, Price>> = {
  'claude-opus-5-5': { input: 4, output: 20 },
  'claude-sonnet-5-5': { input: 2, output: 10 },
  'claude-haiku-5-5': { input: 0.1, output: 0.5 },
  'claude-opus-4-5': { input: 5, output: 25 },
  'claude-sonnet-4-5': { input: 3, output: 15 },
  'claude-haiku-4-5': { input: 1, output: 5 },
};

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

export function priceOf(model: string): Price | undefined {
  return PRICES[model] ?? PRICES[model.replace(/-\d{8}$/, '')];
}

/** Estimated cost in USD, rounded to a hundredth of a cent; undefined for an unpriced model. */
export function estimateCost(model: string, usage: TokenUsage): number | undefined {
  const p = priceOf(model);
  if (!p) return undefined;
  const usd =
    (usage.inputTokens * p.input + usage.cacheWriteTokens * p.input * 1.25 + usage.cacheReadTokens * p.input * 0.1 + usage.outputTokens * p.output) /
    1_000_000;
  return Math.round(usd * 10_000) / 10_000;
}
