/**
 * npm run bench: generation speed and memory. Generates a synthetic plan of 50 services
 * and 500 operations into a temporary folder through the real CLI (no install), several
 * times, and prints wall time and peak RSS (target: under 3 s on a 2-core machine).
 * Each run is a fresh process, so the numbers include start-up and module loading.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { syntheticPlan } from './synthetic-plan.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.env.BENCH_RUNS ?? 3);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'cas-bench-'));
const planFile = path.join(tmp, 'plan.json');
writeFileSync(planFile, JSON.stringify(syntheticPlan(50, 10)));

function measure(label, args, cwd = root) {
  // /usr/bin/time is not everywhere; a tiny wrapper reports the child's own peak RSS instead.
  const wrapper = `
    const { main } = await import(${JSON.stringify(path.join(root, 'dist/src/cli/main.js'))});
    const code = await main(${JSON.stringify(args)});
    process.stdout.write('\\n@@' + JSON.stringify({ code, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
    process.exitCode = code;`;
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', wrapper], { cwd, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const line = result.stdout.split('@@').pop();
  const stats = JSON.parse(line);
  if (stats.code !== 0) throw new Error(`${label} failed (${stats.code}): ${result.stderr}`);
  return { ms, maxRssMb: stats.maxRssMb, stderr: result.stderr };
}

const results = [];
for (let i = 0; i < runs; i++) {
  const dir = path.join(tmp, `gen-${i}`);
  results.push(measure('generate', [dir, '--plan', planFile, '--yes', '--no-install']));
}
const times = results.map((r) => r.ms).sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
console.log(`generate 50 services / 500 operations (${runs} runs, fresh process each):`);
console.log(`  wall time  median ${median.toFixed(0)} ms  min ${times[0].toFixed(0)} ms  max ${times.at(-1).toFixed(0)} ms   (target < 3000 ms)`);
console.log(`  peak RSS   ${Math.max(...results.map((r) => r.maxRssMb)).toFixed(0)} MB`);
console.log(`  ${results[0].stderr.split('\n').find((l) => l.startsWith('created')) ?? ''}`);

rmSync(tmp, { recursive: true, force: true });
