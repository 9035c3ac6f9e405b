/**
 * Saving a plan: only a valid one, and never a partial file. The text goes to a temporary
 * file in the same folder (same file system, so the rename is atomic), then replaces the
 * target in one rename; a crash leaves either the old file or the new one.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CliError } from '../errors.js';
import type { Plan } from '../plan/schema.js';
import { validatePlan } from '../plan/validate.js';

export function planText(plan: Plan): string {
  return `${JSON.stringify(plan, null, 2)}\n`;
}

export async function writePlanFile(file: string, plan: Plan): Promise<void> {
  // Validate again at the door: whatever the caller did, an invalid plan is not written.
  validatePlan(plan, file);
  const dir = path.dirname(path.resolve(file));
  await mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, planText(plan), { flag: 'wx' });
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new CliError(`cannot write ${file}: ${(err as Error).message}`);
  }
}
