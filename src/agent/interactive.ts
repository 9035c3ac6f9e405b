/**
 * The interactive `create-arch-service [<dir>] [--prompt "<text>"]`:
 *   describe -> stream the plan (progress on stderr) -> readable summary
 *   -> accept / refine with another sentence / cancel -> generate (createRepo).
 *
 * Like create-vite, prompts happen only when there is a terminal to ask on and `--yes` is
 * not given; otherwise every question needs its answer from flags, or the command stops
 * with a usage error before anything is spent or written.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { createInterface, type Interface } from 'node:readline/promises';
import { createRepo } from '../create.js';
import { EXIT, UsageError } from '../errors.js';
import type { Plan } from '../plan/schema.js';
import { diffPlans, formatPlanDiff } from './plan-diff.js';
import { formatPlanSummary } from './plan-summary.js';
import { costLine, openArchitect, processIO, type AgentIO } from './session.js';

export interface InteractiveOptions {
  prompt?: string;
  yes: boolean;
  force: boolean;
  install: boolean;
  model?: string;
  maxRepairs?: number;
}

export interface InteractiveDeps {
  createRepo: (dir: string, plan: Plan, opts: { force: boolean; install: boolean }) => Promise<void>;
}

/** The answer, or undefined when input ends (Ctrl-D) or is closed. */
function ask(rl: Interface, question: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const onClose = () => resolve(undefined);
    rl.once('close', onClose);
    rl.question(question).then(
      (answer) => {
        rl.off('close', onClose);
        resolve(answer);
      },
      () => resolve(undefined),
    );
  });
}

async function assertEmptyTarget(dir: string, force: boolean): Promise<void> {
  if (force) return;
  let entries: string[];
  try {
    entries = (await readdir(dir)).filter((e) => e !== '.git');
  } catch {
    return; // missing (created later) or not a folder (createRepo reports it)
  }
  // Checked before the model is called: a plan that cannot be generated is money spent for nothing.
  if (entries.length) throw new UsageError(`${dir} is not empty (${entries.length} entries); use --force to generate into it anyway`);
}

export async function interactiveCreate(
  dir: string | undefined,
  opts: InteractiveOptions,
  io: AgentIO = processIO(),
  deps: InteractiveDeps = { createRepo },
): Promise<number> {
  const architect = await openArchitect({ model: opts.model, maxRepairs: opts.maxRepairs }, io);
  const canAsk = !opts.yes && io.stdin.isTTY === true;
  const rl = canAsk
    ? createInterface({ input: io.stdin, output: io.stderr, terminal: typeof (io.stdin as { setRawMode?: unknown }).setRawMode === 'function' })
    : undefined;
  // Ctrl-C at a prompt: readline would only pause; closing it makes the pending question a cancel.
  rl?.on('SIGINT', () => rl.close());
  const say = (text: string) => io.stderr.write(text);
  try {
    let target = dir?.trim();
    if (!target) {
      if (!rl) throw new UsageError('missing the target folder: create-arch-service <dir> --prompt "<description>"');
      target = (await ask(rl, 'Folder for the new repo: '))?.trim();
      if (!target) return cancelled(say);
    }
    await assertEmptyTarget(target, opts.force);

    let description = opts.prompt?.trim();
    if (!description) {
      if (!rl) throw new UsageError('describe the system with --prompt "<description>" (there is no terminal to ask on), or use --example / --plan');
      say('Describe the system in a few sentences: what it does, who uses it, what matters (scale, consistency, integrations).\n');
      description = (await ask(rl, '> '))?.trim();
      if (!description) return cancelled(say);
    }

    let result = await architect.design(description);
    say(`${costLine(result)}\n\n`);
    io.stdout.write(formatPlanSummary(result.plan));

    while (rl) {
      const raw = await ask(rl, '\nAccept and generate [a], refine [r], or cancel [c]? ');
      if (raw === undefined) return cancelled(say);
      const choice = raw.trim();
      if (/^(a|accept|y|yes)?$/i.test(choice)) break;
      if (/^(c|cancel|q|quit|n|no)$/i.test(choice)) return cancelled(say);
      // "r" asks for the change; a whole sentence typed here is taken as the change itself.
      let change: string | undefined = choice;
      if (/^(r|refine)$/i.test(choice)) change = (await ask(rl, 'What should change? '))?.trim();
      if (!change) continue;
      const next = await architect.design(change, result.plan);
      say(`${costLine(next)}\n\n`);
      io.stdout.write(formatPlanDiff(diffPlans(result.plan, next.plan)));
      io.stdout.write(`\n${formatPlanSummary(next.plan)}`);
      result = next;
    }
    rl?.close();

    say(`\nGenerating ${path.relative(process.cwd(), path.resolve(target)) || '.'} from the plan…\n`);
    await deps.createRepo(target, result.plan, { force: opts.force, install: opts.install });
    return EXIT.ok;
  } finally {
    rl?.close();
  }
}

function cancelled(say: (t: string) => void): number {
  say('Cancelled; nothing was written.\n');
  return EXIT.failure;
}
