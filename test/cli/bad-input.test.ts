import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { example } from '../helpers/plans.js';
import { runCli } from '../helpers/run-cli.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'cas-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
function planFile(content: string, ext = 'json'): string {
  const file = path.join(tmp, `plan-${n++}.${ext}`);
  writeFileSync(file, content);
  return file;
}

function mutated(mutate: (p: ReturnType<typeof example>) => void): string {
  const plan = example('shop');
  mutate(plan);
  return planFile(JSON.stringify(plan, null, 2));
}

type Case = [name: string, file: () => string, expected: RegExp[]];

const cases: Case[] = [
  ['malformed JSON', () => planFile('{\n  "planVersion": 1,\n  "name": "x",\n}'), [/plan-\d+\.json/, /:4:1|:3:\d+/, /malformed JSON/]],
  ['malformed YAML', () => planFile('planVersion: 1\nname: [x\nsummary: y\n', 'yaml'), [/plan-\d+\.yaml/, /malformed YAML/, /:\d+:\d+/]],
  ['schema-invalid plan', () => mutated((p) => ((p.services[0]!.operations[0]!.method = 'fetch' as never), (p.planVersion = 2 as never))), [/\$\.services\[0\]\.operations\[0\]\.method/, /\$\.planVersion/]],
  ['semantically invalid plan', () => mutated((p) => (p.services[1]!.dependsOn![0]!.service = 'ghost')), [/\$\.services\[1\]\.dependsOn\[0\]\.service/, /unknown service "ghost"/]],
  ['path traversal name', () => mutated((p) => (p.services[0]!.name = '../../etc')), [/\$\.services\[0\]\.name/, /kebab-case/]],
  ['name with a space', () => mutated((p) => (p.services[0]!.name = 'a b')), [/\$\.services\[0\]\.name/]],
  ['shell in a name', () => mutated((p) => (p.services[0]!.name = '$(rm -rf ~)')), [/\$\.services\[0\]\.name/]],
  ['names colliding after case folding', () => mutated((p) => (p.services[1]!.operations[1]!.id = 'placeorder')), [/collides/]],
];

describe('bad input: exit 2, a message that points at the place, nothing written', () => {
  it.each(cases)('%s', async (_name, file, expected) => {
    const target = path.join(tmp, `out-${n++}`);
    const result = await runCli([target, '--plan', file(), '--yes', '--no-install']);
    expect(result.code).toBe(2);
    for (const re of expected) expect(result.stderr).toMatch(re);
    expect(result.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace for user mistakes
    expect(existsSync(target)).toBe(false);
  });

  it('a non-empty target without --force', async () => {
    const target = path.join(tmp, 'occupied');
    mkdirSync(target);
    writeFileSync(path.join(target, 'mine.txt'), 'keep me');
    const result = await runCli([target, '--example', 'minimal', '--yes', '--no-install']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/not empty.*--force/);
    expect(readdirSync(target)).toEqual(['mine.txt']);
  });

  it.each([
    [['x', '--example', 'nope', '--no-install'], /unknown example "nope"; available: minimal, shop/],
    [['x', '--bogus'], /Unknown option/i],
    [['x', '--example', 'shop', '--plan', 'p.json'], /either --example or --plan/],
    [['validate'], /usage: create-arch-service validate/],
  ])('usage error %j', async (args, message) => {
    const result = await runCli(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});

describe('help, version, validate', () => {
  it('--help lists every command', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const word of ['--example', '--plan', 'plan "', 'validate', 'sync', '--dry-run', '--check', 'add service']) expect(r.stdout).toContain(word);
  });
  it('--version', async () => {
    const r = await runCli(['--version']);
    expect(r).toMatchObject({ code: 0, stdout: expect.stringMatching(/^\d+\.\d+\.\d+\n$/) });
  });
  it.each(['minimal', 'shop'])('validate accepts examples/%s.json', async (name) => {
    const r = await runCli(['validate', path.join('examples', `${name}.json`)]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/valid plan/);
  });
  it('validate rejects an invalid plan with exit 2', async () => {
    const r = await runCli(['validate', mutated((p) => (p.services[0]!.name = 'Bad'))]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\$\.services\[0\]\.name/);
  });
});
