import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { planText, writePlanFile } from '../../src/agent/write-plan.js';
import { CliError, InputError } from '../../src/errors.js';
import type { Plan } from '../../src/plan/schema.js';
import { tempDir } from './helpers.js';

const minimal = JSON.parse(readFileSync(path.join(import.meta.dirname, '../../examples/minimal.json'), 'utf8')) as Plan;
let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.remove());

describe('writePlanFile', () => {
  it('writes the plan as pretty JSON with a final newline, creating the folder', async () => {
    const file = path.join(tmp.dir, 'plans', 'p.json');
    await writePlanFile(file, minimal);
    expect(readFileSync(file, 'utf8')).toBe(planText(minimal));
    expect(planText(minimal).endsWith('}\n')).toBe(true);
    expect(tmp.files()).toEqual(['plans', 'plans/p.json']);
  });

  it('refuses an invalid plan and writes nothing', async () => {
    const bad = { ...minimal, services: [{ ...minimal.services[0]!, name: '../../etc' }] } as Plan;
    await expect(writePlanFile(path.join(tmp.dir, 'p.json'), bad)).rejects.toBeInstanceOf(InputError);
    expect(tmp.files()).toEqual([]);
  });

  it('leaves no temporary file behind when the rename fails', async () => {
    const target = path.join(tmp.dir, 'taken');
    mkdirSync(path.join(target, 'inside'), { recursive: true }); // a non-empty folder cannot be replaced by a file
    await expect(writePlanFile(target, minimal)).rejects.toBeInstanceOf(CliError);
    expect(tmp.files()).toEqual(['taken', 'taken/inside']);
  });
});
