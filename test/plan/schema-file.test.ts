import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { planJsonSchema } from '../../src/plan/schema.js';
import { projectRoot } from '../helpers/plans.js';

it('schemas/plan.schema.json is up to date with src/plan/schema.ts (npm run schema)', () => {
  const committed = JSON.parse(readFileSync(path.join(projectRoot, 'schemas/plan.schema.json'), 'utf8'));
  expect(committed).toEqual(planJsonSchema());
});
