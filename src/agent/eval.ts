/**
 * `npm run eval:agent`: how well the architect agent does on eight varied systems.
 * With a key it designs each one (real API), then generates the repo, installs it and
 * builds it (tsc over every workspace), and reports per system: valid on the first answer,
 * repairs used, tokens, estimated cost, time, and whether the repo type-checks.
 * Without a key it says so and exits 0: there is nothing to measure, and it does not
 * pretend otherwise.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import type Anthropic from '@anthropic-ai/sdk';
import { createRepo } from '../create.js';
import { CliError } from '../errors.js';
import { createClient, designPlan } from './architect.js';
import { resolveModel } from './models.js';
import { loadAgentFile } from './persona.js';
import { silentProgress } from './progress.js';

const run = promisify(execFile);

export const EVAL_SYSTEMS: ReadonlyArray<{ id: string; description: string }> = [
  {
    id: 'ride-sharing',
    description:
      'A ride-sharing platform: riders request trips, drivers stream their GPS location every few seconds, the system matches riders to nearby drivers, tracks the trip in real time, prices it with surge pricing, and charges the rider at the end. Location updates are high volume; matching must answer within two seconds.',
  },
  {
    id: 'saas-billing',
    description:
      'A multi-tenant SaaS billing system: tenants have plans and seats, usage is metered per tenant, invoices are generated monthly with proration, payments go through an external payment provider, dunning retries failed payments, and tenants see their invoices in a portal. Tenant data must never leak across tenants.',
  },
  {
    id: 'video-transcoding',
    description:
      'A video transcoding pipeline: users upload videos, the system stores the originals, transcodes them into several resolutions with workers that can take minutes per job, generates thumbnails, and publishes the results to a CDN. Users see the progress of each job and get notified when a video is ready.',
  },
  {
    id: 'iot-telemetry',
    description:
      'An IoT telemetry ingest for 100,000 industrial sensors: devices register and send readings every second, the system validates and stores time series, raises alerts when thresholds are crossed, and offers dashboards and an API for the last 90 days of data. Devices can be offline for hours and then send a backlog.',
  },
  {
    id: 'bank-ledger',
    description:
      'A bank ledger with strict consistency: accounts, double-entry postings, transfers between accounts that must never lose or duplicate money, daily balances, holds on funds, and an audit trail regulators can read. Transfers are requested by other internal systems and must be idempotent.',
  },
  {
    id: 'social-feed',
    description:
      'A social feed: users post text and images, follow each other, like and comment, and see a personalised home timeline that must load in under 200 ms. Some users have millions of followers. Moderation can hide posts, and users get notifications for interactions.',
  },
  {
    id: 'healthcare-appointments',
    description:
      'A healthcare appointments system: patients find clinicians by specialty and location, book, reschedule and cancel appointments, clinicians manage their availability, reminders go out by SMS and email, and visit notes are stored. Patient data is sensitive and access must be audited.',
  },
  {
    id: 'developer-platform',
    description:
      'An internal developer platform: teams register services in a catalog with owners and dependencies, create new services from templates, request environments that are provisioned automatically, see deployments and their status, and get scorecards for production readiness.',
  },
];

export interface EvalRow {
  id: string;
  ok: boolean;
  validFirstTry: boolean;
  repairs: number;
  requests: number;
  services: number;
  inputTokens: number;
  outputTokens: number;
  costUsd?: number;
  seconds: number;
  typecheck: 'pass' | 'fail' | 'skipped';
  error?: string;
}

export interface EvalOptions {
  env?: NodeJS.ProcessEnv;
  client?: Anthropic;
  model?: string;
  systems?: ReadonlyArray<{ id: string; description: string }>;
  /** Generate, install and build each repo (the slow part). */
  typecheck?: boolean;
  /** Keep plans and repos here instead of a temporary folder. */
  keep?: string;
  log?: (line: string) => void;
}

async function typechecks(dir: string): Promise<{ ok: boolean; output: string }> {
  try {
    await run('npm', ['install', '--no-audit', '--no-fund'], { cwd: dir, maxBuffer: 64 << 20 });
    await run('npm', ['run', 'build'], { cwd: dir, maxBuffer: 64 << 20 });
    return { ok: true, output: '' };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}`.slice(-2000) || e.message };
  }
}

export async function runEval(opts: EvalOptions = {}): Promise<EvalRow[] | undefined> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  if (!opts.client && !env.ANTHROPIC_API_KEY?.trim() && !env.ANTHROPIC_AUTH_TOKEN?.trim()) {
    log('eval:agent: ANTHROPIC_API_KEY is not set, so nothing was run and there are no results to report.');
    log('Set the key (export ANTHROPIC_API_KEY=sk-ant-...) and run `npm run eval:agent` again; it calls the real API for eight systems.');
    return undefined;
  }
  const client = opts.client ?? createClient(env);
  const persona = await loadAgentFile();
  const model = resolveModel(persona.model, opts.model);
  const work = opts.keep ? path.resolve(opts.keep) : mkdtempSync(path.join(os.tmpdir(), 'cas-eval-'));
  const rows: EvalRow[] = [];
  log(`eval:agent with ${model}, ${(opts.systems ?? EVAL_SYSTEMS).length} systems, working in ${work}`);
  try {
    for (const system of opts.systems ?? EVAL_SYSTEMS) {
      const started = Date.now();
      const row: EvalRow = { id: system.id, ok: false, validFirstTry: false, repairs: 0, requests: 0, services: 0, inputTokens: 0, outputTokens: 0, seconds: 0, typecheck: 'skipped' };
      try {
        const result = await designPlan({ description: system.description, persona, model, client, progress: silentProgress });
        Object.assign(row, {
          ok: true,
          validFirstTry: result.repairs === 0 && result.requests === 1,
          repairs: result.repairs,
          requests: result.requests,
          services: result.plan.services.length,
          inputTokens: result.usage.inputTokens + result.usage.cacheReadTokens + result.usage.cacheWriteTokens,
          outputTokens: result.usage.outputTokens,
          costUsd: result.plan.provenance?.estimatedCostUsd,
        });
        if (opts.typecheck !== false) {
          const dir = path.join(work, system.id);
          await createRepo(dir, result.plan, { force: true, install: false, log: () => {} });
          const check = await typechecks(dir);
          row.typecheck = check.ok ? 'pass' : 'fail';
          if (!check.ok) row.error = `build failed: ${check.output.split('\n').filter(Boolean).slice(-3).join(' | ')}`;
        }
      } catch (err) {
        row.error = err instanceof CliError ? err.message.split('\n')[0] : String(err);
      }
      row.seconds = Math.round((Date.now() - started) / 100) / 10;
      rows.push(row);
      log(formatRow(row));
    }
  } finally {
    if (!opts.keep) rmSync(work, { recursive: true, force: true });
  }
  log(formatTotals(rows));
  return rows;
}

function formatRow(r: EvalRow): string {
  const cost = r.costUsd !== undefined ? `$${r.costUsd.toFixed(4)}` : 'n/a';
  return [
    r.id.padEnd(24),
    (r.ok ? 'valid' : 'FAILED').padEnd(7),
    `first try: ${r.validFirstTry ? 'yes' : 'no '}`,
    `repairs ${r.repairs}`,
    `${r.services} services`.padEnd(12),
    `in ${r.inputTokens.toLocaleString('en-US')} / out ${r.outputTokens.toLocaleString('en-US')} tokens`.padEnd(34),
    cost.padEnd(9),
    `${r.seconds}s`.padEnd(7),
    `typecheck ${r.typecheck}`,
  ].join('  ') + (r.error ? `\n    ${r.error}` : '');
}

function formatTotals(rows: EvalRow[]): string {
  const n = rows.length;
  const sum = (f: (r: EvalRow) => number) => rows.reduce((a, r) => a + f(r), 0);
  const cost = sum((r) => r.costUsd ?? 0);
  return [
    '',
    `valid plans: ${rows.filter((r) => r.ok).length}/${n}; valid on the first answer: ${rows.filter((r) => r.validFirstTry).length}/${n}; repairs used: ${sum((r) => r.repairs)}`,
    `type-checked repos: ${rows.filter((r) => r.typecheck === 'pass').length}/${rows.filter((r) => r.typecheck !== 'skipped').length}`,
    `tokens: ${sum((r) => r.inputTokens).toLocaleString('en-US')} in, ${sum((r) => r.outputTokens).toLocaleString('en-US')} out; estimated cost $${cost.toFixed(4)}`,
  ].join('\n');
}

/** The script entry: `node scripts/eval-agent.mjs [--model id] [--no-typecheck] [--keep dir] [--only id,id]`. */
export async function evalMain(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { model: { type: 'string' }, 'no-typecheck': { type: 'boolean' }, keep: { type: 'string' }, only: { type: 'string' } },
  });
  const only = values.only?.split(',').map((s) => s.trim());
  const systems = only ? EVAL_SYSTEMS.filter((s) => only.includes(s.id)) : EVAL_SYSTEMS;
  if (only && systems.length !== only.length) {
    process.stderr.write(`unknown system id in --only; known: ${EVAL_SYSTEMS.map((s) => s.id).join(', ')}\n`);
    return 2;
  }
  const rows = await runEval({ model: values.model, typecheck: !values['no-typecheck'], keep: values.keep, systems });
  return rows && rows.some((r) => !r.ok) ? 1 : 0;
}
