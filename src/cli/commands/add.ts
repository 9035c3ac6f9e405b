/**
 * `create-arch-service add service <name> [--description <text>] [--dir <repo>]`
 * `create-arch-service add operation <service> <METHOD> <path> [--id <operationId>] [--summary <text>] [--dir <repo>]`
 *
 * Runs the plop generators of generators/plopfile.ts: what the command line gives is
 * passed to plop as bypassed answers (validated like typed ones); what is missing is
 * asked for when stdin is a terminal, and is a usage error otherwise. With every argument
 * given there is no prompt at all. The edit is followed by a sync.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CliError, EXIT, UsageError } from '../../errors.js';
import { defaultOperationId } from '../../sync/edits.js';
import type { SyncReport } from '../../sync/engine.js';
import { formatReport } from '../../sync/report.js';

const USAGE = `usage:
  create-arch-service add service <name> [--description <text>] [--dir <repo>]
  create-arch-service add operation <service> <METHOD> <path> [--id <operationId>] [--summary <text>] [--dir <repo>]
A path without the service's base path gets it: /notes/{id}/archive -> /v1/notes/{id}/archive.`;

/** Plop's marker for "ask this one". */
const ASK = '_';

export interface AddIo {
  out?: (text: string) => void;
  interactive?: boolean;
}

export async function addCommand(args: string[], io: AddIo = {}): Promise<number> {
  const out = io.out ?? ((t: string) => process.stdout.write(t));
  const interactive = io.interactive ?? Boolean(process.stdin.isTTY);
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      dir: { type: 'string' },
      description: { type: 'string' },
      id: { type: 'string' },
      summary: { type: 'string' },
    },
  });
  const [kind, ...rest] = positionals;
  const dir = path.resolve(values.dir ?? '.');
  let bypass: string[];
  let labels: string[];
  if (kind === 'service') {
    if (rest.length > 1) throw new UsageError(USAGE);
    const [name] = rest;
    bypass = [name ?? ASK, values.description ?? (name ? `The ${name} service.` : ASK)];
    labels = ['<name>', '--description'];
  } else if (kind === 'operation') {
    if (rest.length > 3) throw new UsageError(USAGE);
    const [service, method, p] = rest;
    const id = values.id ?? (method && p ? defaultOperationId(method, p) : ASK);
    bypass = [service ?? ASK, method?.toUpperCase() ?? ASK, p ?? ASK, id, values.summary ?? (method && p ? `${method.toUpperCase()} ${p}` : ASK)];
    labels = ['<service>', '<METHOD>', '<path>', '--id', '--summary'];
  } else {
    throw new UsageError(USAGE);
  }
  const missing = labels.filter((_, i) => bypass[i] === ASK);
  if (missing.length && !interactive) throw new UsageError(`missing ${missing.join(', ')} (no terminal to ask on)\n${USAGE}`);

  const [{ default: nodePlop }, { default: plopfile }] = await Promise.all([import('node-plop'), import('../../../generators/plopfile.js')]);
  const plop = await nodePlop('', { destBasePath: dir, force: false });
  let report: SyncReport | undefined;
  let failed: unknown;
  plopfile(plop, { dir, onSynced: (r) => (report = r), onError: (e) => (failed = e) });
  const generator = plop.getGenerator(kind);
  let answers: Record<string, unknown>;
  try {
    answers = (await generator.runPrompts(bypass)) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof CliError) throw err;
    // A bypassed answer that failed its validation: plop throws the validation message.
    throw new UsageError((err as Error).message);
  }
  const result = await generator.runActions(answers);
  if (result.failures.length) {
    if (failed instanceof CliError) throw failed;
    const failure = result.failures[0]!;
    throw new CliError(`add ${kind} failed: ${failure.error || failure.message}`);
  }
  for (const change of result.changes) out(`${change.path}\n`);
  if (report) out(formatReport(report));
  return report?.conflicts.length ? EXIT.failure : EXIT.ok;
}
