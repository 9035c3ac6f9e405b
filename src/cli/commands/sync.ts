/**
 * `create-arch-service sync [dir] [--dry-run] [--check] [--json] [--restore] [--verbose]`
 *
 * Exit codes (DESIGN.md §2): 0 in sync / synced; 1 conflicts, or drift found by --check;
 * 2 invalid plan or spec (nothing written).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { EXIT, UsageError } from '../../errors.js';
import { loadPlanFile } from '../../plan/load.js';
import { syncRepo } from '../../sync/repo.js';
import { formatReport, reportJson } from '../../sync/report.js';

export const PLAN_FILE = 'arch.plan.json';

export async function syncCommand(args: string[], out: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      'dry-run': { type: 'boolean' },
      check: { type: 'boolean' },
      json: { type: 'boolean' },
      restore: { type: 'boolean' },
      verbose: { type: 'boolean' },
    },
  });
  if (positionals.length > 1) throw new UsageError(`sync takes one folder, got: ${positionals.join(' ')}`);
  const dir = path.resolve(positionals[0] ?? '.');
  if (values.check && values.restore) throw new UsageError('--check writes nothing; drop --restore or --check');
  const plan = await loadPlanFile(path.join(dir, PLAN_FILE));
  const { report } = await syncRepo(dir, plan, { dryRun: values['dry-run'], check: values.check, restore: values.restore });
  out(values.json ? reportJson(report) : formatReport(report, { diffs: Boolean(values['dry-run']), verbose: values.verbose }));
  if (values.check) {
    if (!values.json) out(report.changed ? `out of sync: run create-arch-service sync${positionals[0] ? ` ${positionals[0]}` : ''}\n` : 'in sync\n');
    return report.changed ? EXIT.failure : EXIT.ok;
  }
  return report.conflicts.length ? EXIT.failure : EXIT.ok;
}
