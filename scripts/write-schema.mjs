// Regenerates schemas/plan.schema.json from the zod schema (src/plan/schema.ts). Run: npm run schema
import { writeFileSync } from 'node:fs';
import { planJsonSchema } from '../dist/src/plan/schema.js';

writeFileSync(new URL('../schemas/plan.schema.json', import.meta.url), `${JSON.stringify(planJsonSchema(), null, 2)}\n`);
console.log('wrote schemas/plan.schema.json');
