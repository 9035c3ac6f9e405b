/**
 * The command line. Parses flags, dispatches to a command, and is the one top-level
 * catch: user mistakes print a clear message and exit 2, failures exit 1, drift found
 * by `sync --check` exits 1 (DESIGN.md §2). Command modules are imported lazily so
 * `--help` and `--version` stay fast (ts-morph, openapi-typescript and the SDK are heavy).
 */
import { parseArgs } from 'node:util';
import { CliError, EXIT, UsageError } from '../errors.js';
import { packageVersion } from '../paths.js';

export const HELP = `create-arch-service: from an architecture plan to running, observable microservices

Usage:
  create-arch-service <dir> --example <name> [--yes] [--no-install] [--force]
  create-arch-service <dir> --plan <file>    [--yes] [--no-install] [--force]
  create-arch-service [<dir>] [--prompt "<description>"] [--model <id>]   interactive (needs ANTHROPIC_API_KEY)
  create-arch-service plan "<description>" --out <file> [--model <id>] [--max-repairs N]
  create-arch-service plan --refine <plan-file> "<change>" [--out <file>]
  create-arch-service validate <plan-file | repo-dir>
  create-arch-service sync [dir] [--dry-run] [--check] [--json] [--restore]
  create-arch-service add service <name> | add operation <service> <METHOD> <path>

Options:
  --example <name>   a bundled example plan (minimal, shop); no API key or network needed
  --plan <file>      an architecture plan (JSON or YAML)
  --yes, -y          no prompts; accept defaults
  --no-install       do not run npm install in the new repo
  --force            generate into a folder that is not empty
  --help, -h         this help
  --version, -v      the version

Exit codes: 0 success; 1 failure, or drift found by sync --check; 2 invalid input or usage.
`;

type Out = (text: string) => void;
const stdout: Out = (t) => process.stdout.write(t);
const stderr: Out = (t) => process.stderr.write(t);

async function createCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      example: { type: 'string' },
      plan: { type: 'string' },
      prompt: { type: 'string' },
      model: { type: 'string' },
      'max-repairs': { type: 'string' },
      yes: { type: 'boolean', short: 'y' },
      install: { type: 'boolean', default: true },
      'no-install': { type: 'boolean' },
      force: { type: 'boolean' },
    },
  });
  if (positionals.length > 1) throw new UsageError(`expected one target folder, got: ${positionals.join(' ')}`);
  const dir = positionals[0];
  const install = values['no-install'] ? false : values.install !== false;
  const force = Boolean(values.force);
  if (values.example && values.plan) throw new UsageError('use either --example or --plan, not both');
  if (values.example || values.plan) {
    if (!dir) throw new UsageError('missing the target folder: create-arch-service <dir> --example <name>');
    const { loadPlanFile } = await import('../plan/load.js');
    const { examplePath } = await import('../examples.js');
    const file = values.example ? examplePath(values.example) : values.plan!;
    const plan = await loadPlanFile(file);
    const { createRepo } = await import('../create.js');
    await createRepo(dir, plan, { force, install });
    return EXIT.ok;
  }
  const { interactiveCreate } = await import('../agent/interactive.js');
  const maxRepairs = values['max-repairs'] !== undefined ? Number(values['max-repairs']) : undefined;
  if (maxRepairs !== undefined && (!Number.isInteger(maxRepairs) || maxRepairs < 0)) throw new UsageError('--max-repairs must be a whole number >= 0');
  return interactiveCreate(dir, { prompt: values.prompt, yes: Boolean(values.yes), force, install, model: values.model, maxRepairs });
}

async function validateCommand(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: {} });
  if (positionals.length !== 1) throw new UsageError('usage: create-arch-service validate <plan-file | repo-dir>');
  const { validateTarget } = await import('./commands/validate.js');
  const summary = await validateTarget(positionals[0]!);
  stdout(`${summary}\n`);
  return EXIT.ok;
}

export async function main(argv: string[]): Promise<number> {
  try {
    const [first, ...rest] = argv;
    if (first === undefined && !process.stdin.isTTY) {
      stdout(HELP);
      return EXIT.usage;
    }
    if (first === '--help' || first === '-h' || first === 'help') {
      stdout(HELP);
      return EXIT.ok;
    }
    if (first === '--version' || first === '-v') {
      stdout(`${packageVersion()}\n`);
      return EXIT.ok;
    }
    switch (first) {
      case 'validate':
        return await validateCommand(rest);
      case 'plan': {
        const { planCommand } = await import('./commands/plan.js');
        return await planCommand(rest);
      }
      case 'sync': {
        const { syncCommand } = await import('./commands/sync.js');
        return await syncCommand(rest);
      }
      case 'add': {
        const { addCommand } = await import('./commands/add.js');
        return await addCommand(rest);
      }
      default:
        if (argv.includes('--help') || argv.includes('-h')) {
          stdout(HELP);
          return EXIT.ok;
        }
        return await createCommand(argv);
    }
  } catch (err) {
    return report(err);
  }
}

function report(err: unknown): number {
  if (err instanceof CliError) {
    stderr(`error: ${err.message}\n`);
    return err.exitCode;
  }
  // node:util parseArgs throws TypeErrors with a code for unknown or malformed flags.
  const code = (err as { code?: string })?.code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
    stderr(`error: ${(err as Error).message}\nRun create-arch-service --help for usage.\n`);
    return EXIT.usage;
  }
  stderr(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\nThis is a bug in create-arch-service; please report it with the command you ran.\n`);
  return EXIT.failure;
}
