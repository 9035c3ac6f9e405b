/**
 * Sync benchmark (issue 5): on a generated 50-service repo (bench/synthetic-plan.mjs,
 * 500 operations, no install), measures in fresh processes through the real CLI
 *   - a no-op sync (target < 1 s, 0 files written),
 *   - a sync after one service's openapi.yaml gained an operation (target < 1 s, only
 *     that service's files touched, plus the engine's own .arch/ records),
 * each with wall time, peak RSS and the files written. Needs dist/ (npm run build).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { syntheticPlan } from './synthetic-plan.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.env.BENCH_RUNS ?? 3);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'cas-bench-sync-'));

function cli(args) {
  const wrapper = `
    let out = '';
    const { main } = await import(${JSON.stringify(path.join(root, 'dist/src/cli/main.js'))});
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = (chunk) => { out += chunk; return true; };
    const code = await main(${JSON.stringify(args)});
    process.stdout.write = write;
    write(JSON.stringify({ code, out, maxRssMb: process.resourceUsage().maxRSS / 1024 }));`;
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', wrapper], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  let stats;
  try {
    stats = JSON.parse(result.stdout);
  } catch {
    throw new Error(`create-arch-service ${args.join(' ')} crashed:\n${result.stderr}`);
  }
  return { ms, ...stats, stderr: result.stderr };
}

const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = [];
function record(label, samples) {
  rows.push({
    label,
    ms: Math.round(median(samples.map((s) => s.ms))),
    maxRssMb: Math.round(median(samples.map((s) => s.maxRssMb))),
    written: median(samples.map((s) => s.written)),
    outside: [...new Set(samples.flatMap((s) => s.outside ?? []))],
  });
}

try {
  const dir = path.join(tmp, 'repo');
  const planFile = path.join(tmp, 'plan.json');
  writeFileSync(planFile, JSON.stringify(syntheticPlan(50, 10)));
  const created = cli([dir, '--plan', planFile, '--yes', '--no-install']);
  if (created.code !== 0) throw new Error(`generation failed: ${created.stderr}`);
  // One sync so the repo is in the state every later sync starts from.
  cli(['sync', dir, '--json']);

  const noop = [];
  for (let i = 0; i < runs; i++) {
    const r = cli(['sync', dir, '--json']);
    const report = JSON.parse(r.out);
    noop.push({ ms: r.ms, maxRssMb: r.maxRssMb, written: report.written });
  }
  record('no-op sync (50 services)', noop);

  const edit = [];
  for (let i = 0; i < runs; i++) {
    const spec = path.join(dir, 'services/svc-7/openapi.yaml');
    const doc = parseDocument(readFileSync(spec, 'utf8'));
    doc.setIn(['paths', `/v1/bench${i}`, 'get'], doc.createNode({ operationId: `bench${i}`, summary: 'bench', responses: { '200': { description: 'OK', content: { 'application/json': { schema: { type: 'object' } } } } } }));
    writeFileSync(spec, doc.toString({ lineWidth: 0 }));
    const r = cli(['sync', dir, '--json']);
    const report = JSON.parse(r.out);
    const touched = report.files.filter((f) => ['create', 'update', 'merge', 'conflict', 'delete'].includes(f.action)).map((f) => f.path);
    edit.push({ ms: r.ms, maxRssMb: r.maxRssMb, written: report.written, outside: touched.filter((p) => !p.startsWith('services/svc-7/')) });
  }
  record('one-spec edit sync (svc-7 +1 operation)', edit);

  console.log('sync benchmark (fresh process each, median of', runs, 'runs)');
  for (const r of rows) {
    console.log(`  ${r.label.padEnd(42)} ${String(r.ms).padStart(6)} ms  ${String(r.maxRssMb).padStart(5)} MB peak  ${String(r.written).padStart(4)} files written${r.outside.length ? `  outside the service: ${r.outside.join(', ')}` : ''}`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
