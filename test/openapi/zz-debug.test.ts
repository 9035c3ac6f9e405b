import { readFileSync } from 'node:fs';
import { it } from 'vitest';
import { normalizePlan } from '../../src/plan/normalize.js';
import { readServiceApi } from '../../src/openapi/read.js';
import { apiTypes } from '../../src/openapi/typescript.js';
import { corpus } from './corpus.js';
it('dump', async () => {
  const s = normalizePlan(JSON.parse(readFileSync('examples/minimal.json', 'utf8'))).services[0]!;
  for (const d of corpus().docs) {
    const api = readServiceApi(d.text, d.name, s);
    const t = performance.now();
    const out = await apiTypes(api);
    console.log(`== ${d.name} ${out.length} chars ${(performance.now() - t).toFixed(0)} ms`);
  }
}, 120000);
