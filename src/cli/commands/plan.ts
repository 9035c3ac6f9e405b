/**
 * `create-arch-service plan "<description>" --out <file>`: the agent only. Writes a
 * validated plan (with provenance) and nothing else.
 * `create-arch-service plan --refine <plan-file> "<change>"`: evolves a plan and prints
 * what changed (services, operations, events, calls added or removed).
 *
 * Progress and cost go to stderr; the summary or the diff to stdout.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { EXIT, UsageError } from '../../errors.js';
import { loadPlanFile } from '../../plan/load.js';
import type { Plan } from '../../plan/schema.js';
import { diffPlans, formatPlanDiff } from '../../agent/plan-diff.js';
import { formatPlanSummary } from '../../agent/plan-summary.js';
import { costLine, openArchitect, processIO, type AgentIO } from '../../agent/session.js';
import { writePlanFile } from '../../agent/write-plan.js';

export const PLAN_HELP = `Usage:
  create-arch-service plan "<description>" [--out <file>] [--model <id>] [--max-repairs N] [--yes]
  create-arch-service plan --refine <plan-file> "<change>" [--out <file>] [--model <id>]

Options:
  --out, -o <file>     where to write the plan (default: arch.plan.json; with --refine, the refined file)
  --model, -m <id>     sonnet, opus, haiku (newest of each) or a full model id; default: the agent file's model
  --max-repairs <N>    rounds of "here are the problems, fix them" after the first answer (default 2)
  --refine <file>      evolve this plan with the change described, and print what changed
  --agent <file>       another agent file (Claude Code subagent format) instead of agents/backend-architect.md
  --yes, -y            overwrite --out without asking
Needs ANTHROPIC_API_KEY; ANTHROPIC_BASE_URL is honoured.
`;

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

async function confirmOverwrite(file: string, io: AgentIO): Promise<boolean> {
  if (!io.stdin.isTTY || !io.stderr.isTTY) return false;
  const rl = createInterface({ input: io.stdin, output: io.stderr });
  try {
    const answer = await rl.question(`${file} exists. Overwrite it? [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

export async function planCommand(args: string[], io: AgentIO = processIO()): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      out: { type: 'string', short: 'o' },
      model: { type: 'string', short: 'm' },
      'max-repairs': { type: 'string' },
      refine: { type: 'string' },
      agent: { type: 'string' },
      yes: { type: 'boolean', short: 'y' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout.write(PLAN_HELP);
    return EXIT.ok;
  }
  const description = positionals.join(' ').trim();
  if (!description) {
    throw new UsageError(
      values.refine
        ? 'describe the change: create-arch-service plan --refine <plan-file> "add a notification service that listens to order events"'
        : 'describe the system: create-arch-service plan "an online shop with a catalog, orders and payments" --out arch.plan.json',
    );
  }
  if (description.length > 20_000) throw new UsageError(`the description is ${description.length} characters; keep it under 20,000`);
  let maxRepairs: number | undefined;
  if (values['max-repairs'] !== undefined) {
    maxRepairs = Number(values['max-repairs']);
    if (!/^\d+$/.test(values['max-repairs']) || maxRepairs > 10) throw new UsageError('--max-repairs must be a whole number from 0 to 10');
  }

  // The key first: without one nothing else is worth doing, and nothing is written.
  const architect = await openArchitect({ model: values.model, maxRepairs, agentFile: values.agent }, io);

  let base: Plan | undefined;
  if (values.refine) base = await loadPlanFile(values.refine);
  const out = values.out ?? values.refine ?? 'arch.plan.json';
  const overwritingBase = values.refine !== undefined && path.resolve(out) === path.resolve(values.refine);
  // Ask before spending tokens, not after.
  if (!overwritingBase && !values.yes && (await exists(out)) && !(await confirmOverwrite(out, io))) {
    throw new UsageError(`${out} already exists; pass --yes to overwrite it, or choose another --out`);
  }

  const result = await architect.design(description, base);
  await writePlanFile(out, result.plan);
  io.stderr.write(`${costLine(result)}\n`);
  if (base) {
    io.stdout.write(formatPlanDiff(diffPlans(base, result.plan)));
  } else {
    io.stdout.write(formatPlanSummary(result.plan));
  }
  io.stdout.write(`wrote ${out}\n`);
  return EXIT.ok;
}
