/** The sync report for people (a line per changed file, then a summary) and for scripts (--json). */
import path from 'node:path';
import { SYNC_ACTIONS, type SyncReport } from './engine.js';

export interface FormatOptions {
  /** Print unified diffs (dry-run). */
  diffs?: boolean;
  /** Also list files that are kept as they are. */
  verbose?: boolean;
}

export function formatReport(report: SyncReport, opts: FormatOptions = {}): string {
  const out: string[] = [];
  const width = Math.max(...SYNC_ACTIONS.map((a) => a.length));
  for (const f of report.files) {
    if (f.action === 'keep' && !opts.verbose && !f.message) continue;
    out.push(`  ${f.action.padEnd(width)}  ${f.path}${f.message ? `  (${f.message})` : ''}`);
    if (opts.diffs && f.diff) out.push(indentDiff(f.diff));
  }
  const counts = SYNC_ACTIONS.filter((a) => report.counts[a] > 0).map((a) => `${report.counts[a]} ${a}`);
  const where = path.relative(process.cwd(), report.dir) || '.';
  const verb = report.dryRun ? 'would change' : 'changed';
  out.push(`${where}: ${report.changed} file(s) ${verb}${counts.length ? ` (${counts.join(', ')})` : ''}${report.recovered ? '; finished an interrupted sync' : ''}`);
  if (report.conflicts.length) {
    out.push(`conflicts (markers <<<<<<< yours / ======= / >>>>>>> generated) in:`);
    for (const c of report.conflicts) out.push(`  ${c}`);
  }
  return `${out.join('\n')}\n`;
}

function indentDiff(diff: string): string {
  // Drop the "Index:" / "====" header lines the diff package adds; keep ---/+++ and hunks.
  return diff
    .split('\n')
    .filter((l, i) => !(i < 2 && (l.startsWith('Index:') || /^=+$/.test(l))))
    .map((l) => `    ${l}`)
    .join('\n')
    .trimEnd();
}

export function reportJson(report: SyncReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
