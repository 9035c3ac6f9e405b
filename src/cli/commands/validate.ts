/**
 * `create-arch-service validate <plan-file | repo-dir>`: the same checks generation runs,
 * without writing anything. For a repo folder it validates arch.plan.json and every
 * service's openapi.yaml (the specs users edit after creation).
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../../errors.js';
import { loadPlanFile } from '../../plan/load.js';
import { normalizePlan } from '../../plan/normalize.js';
import { readServiceApi } from '../../openapi/read.js';
import { specPath } from '../../render/pipeline.js';

export async function validateTarget(target: string): Promise<string> {
  let isDir = false;
  try {
    isDir = (await stat(target)).isDirectory();
  } catch {
    throw new InputError(target, [{ path: '', message: 'file or folder not found' }], 'cannot read');
  }
  const planFile = isDir ? path.join(target, 'arch.plan.json') : target;
  const plan = await loadPlanFile(planFile);
  const normalized = normalizePlan(plan);
  const lines = [`${path.relative(process.cwd(), planFile) || planFile}: valid plan "${plan.name}" with ${plan.services.length} service(s), ${plan.services.reduce((n, s) => n + s.operations.length, 0)} operation(s), ${(plan.events ?? []).length} event(s)`];
  if (isDir) {
    for (const service of normalized.services) {
      const file = path.join(target, specPath(service.name));
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch {
        lines.push(`${specPath(service.name)}: missing (sync will create it from the plan)`);
        continue;
      }
      const api = readServiceApi(text, path.relative(process.cwd(), file) || file, service);
      lines.push(`${specPath(service.name)}: ${api.operations.length} operation(s)${api.warnings.length ? `, ${api.warnings.length} warning(s)` : ''}`);
      for (const w of api.warnings) lines.push(`  warning: ${w.path}: ${w.message}`);
    }
  }
  return lines.join('\n');
}
