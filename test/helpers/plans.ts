import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plan } from '../../src/plan/schema.js';
// @ts-expect-error plain JS module shared with the benchmarks
import { syntheticPlan as makeSyntheticPlan } from '../../bench/synthetic-plan.mjs';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A fresh deep copy of a bundled example, for tests that mutate it. */
export function example(name: 'minimal' | 'shop'): Plan {
  return JSON.parse(readFileSync(path.join(projectRoot, 'examples', `${name}.json`), 'utf8')) as Plan;
}

/** A synthetic plan of `count` services with `opsPerService` operations each (bench/synthetic-plan.mjs). */
export function syntheticPlan(count: number, opsPerService: number): Plan {
  return makeSyntheticPlan(count, opsPerService) as Plan;
}
