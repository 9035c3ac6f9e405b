/**
 * The interactive flow: describe -> streamed plan -> summary -> accept / refine / cancel
 * -> generate, against the fake Messages API. A scripted "terminal" answers each prompt
 * when it appears (readline drops lines typed before a question is asked).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { interactiveCreate, type InteractiveDeps } from '../../src/agent/interactive.js';
import { CliError } from '../../src/errors.js';
import type { Plan } from '../../src/plan/schema.js';
import { FakeMessagesApi } from './fake-api.js';
import { answer, tempDir, testIO, type TestIO } from './helpers.js';

let api: FakeMessagesApi;
let tmp: ReturnType<typeof tempDir>;
let io: TestIO;
let created: Array<{ dir: string; plan: Plan; opts: { force: boolean; install: boolean } }>;
let deps: InteractiveDeps;

beforeEach(async () => {
  api = await new FakeMessagesApi().start();
  tmp = tempDir();
  io = testIO({ ANTHROPIC_API_KEY: 'sk-ant-test-dummy', ANTHROPIC_BASE_URL: api.url });
  created = [];
  deps = {
    createRepo: vi.fn(async (dir: string, plan: Plan, opts: { force: boolean; install: boolean }) => {
      created.push({ dir, plan, opts });
    }),
  };
});

afterEach(async () => {
  await api.close();
  tmp.remove();
});

/** Makes stdin a terminal that types the next answer each time a prompt is shown. */
function typeAnswers(answers: string[]) {
  io.stdin.isTTY = true;
  const prompts = /(\? |> |: )$/;
  const write = io.stderr._write.bind(io.stderr);
  io.stderr._write = (chunk, enc, done) => {
    write(chunk, enc, done);
    if (prompts.test(chunk.toString()) && answers.length) {
      const next = answers.shift()!;
      setImmediate(() => io.stdin.write(`${next}\n`));
    }
  };
}

const target = () => path.join(tmp.dir, 'shop');
const base = { yes: false, force: false, install: false };

describe('interactive create', () => {
  it('describe -> summary -> refine -> accept -> generate', async () => {
    api.reply({ kind: 'message', answer: answer('shop') }, { kind: 'message', answer: answer('shop-with-shipping') });
    typeAnswers(['An online shop: catalog, orders, payments, notifications.', 'r', 'add a shipping service that listens to order events', 'a']);
    const code = await interactiveCreate(target(), base, io, deps);
    expect(code).toBe(0);

    expect(io.stdout.text).toContain('Shop (shop): 4 services, 2 events · broker nats · auth jwt');
    expect(io.stdout.text).toContain('Services:\n  + shipping');
    expect(io.stdout.text).toContain('Shop (shop): 5 services, 3 events');
    expect(userTextOf(0)).toContain('An online shop: catalog, orders, payments, notifications.');
    expect(userTextOf(1)).toContain('Here is the current architecture plan');
    expect(userTextOf(1)).toContain('add a shipping service that listens to order events');

    expect(created).toHaveLength(1);
    expect(created[0]!.dir).toBe(target());
    expect(created[0]!.opts).toEqual({ force: false, install: false });
    expect(created[0]!.plan.services.map((s) => s.name)).toEqual(['catalog', 'orders', 'payments', 'notifications', 'shipping']);
    expect(created[0]!.plan.provenance?.model).toBe('claude-sonnet-5-5');
  });

  it('takes a sentence typed at the accept prompt as the change', async () => {
    api.reply({ kind: 'message', answer: answer('shop') }, { kind: 'message', answer: answer('shop-with-shipping') });
    typeAnswers(['add a shipping service that listens to order events', '']);
    expect(await interactiveCreate(target(), { ...base, prompt: 'An online shop.' }, io, deps)).toBe(0);
    expect(api.messageRequests).toHaveLength(2);
    expect(created[0]!.plan.services).toHaveLength(5);
  });

  it('cancel writes nothing and exits 1', async () => {
    api.reply({ kind: 'message', answer: answer('shop') });
    typeAnswers(['c']);
    expect(await interactiveCreate(target(), { ...base, prompt: 'An online shop.' }, io, deps)).toBe(1);
    expect(io.stderr.text).toContain('Cancelled; nothing was written.');
    expect(created).toHaveLength(0);
    expect(tmp.files()).toEqual([]);
  });

  it('end of input at a prompt is a cancel', async () => {
    api.reply({ kind: 'message', answer: answer('shop') });
    io.stdin.isTTY = true;
    const run = interactiveCreate(target(), { ...base, prompt: 'An online shop.' }, io, deps);
    const waitForPrompt = setInterval(() => {
      if (io.stderr.text.includes('cancel [c]?')) {
        clearInterval(waitForPrompt);
        io.stdin.end();
      }
    }, 5);
    expect(await run).toBe(1);
    expect(created).toHaveLength(0);
  });

  it('asks nothing with --yes: the first valid plan is generated', async () => {
    api.reply({ kind: 'message', answer: answer('shop') });
    io.stdin.isTTY = true;
    expect(await interactiveCreate(target(), { ...base, yes: true, prompt: 'An online shop.' }, io, deps)).toBe(0);
    expect(io.stderr.text).not.toContain('Accept and generate');
    expect(created).toHaveLength(1);
  });

  it('asks nothing without a terminal', async () => {
    api.reply({ kind: 'message', answer: answer('shop') });
    expect(await interactiveCreate(target(), { ...base, prompt: 'An online shop.' }, io, deps)).toBe(0);
    expect(created).toHaveLength(1);
  });

  it.each([
    ['no description and no terminal', () => interactiveCreate(target(), base, io, deps), '--prompt'],
    ['no folder and no terminal', () => interactiveCreate(undefined, { ...base, prompt: 'x' }, io, deps), 'missing the target folder'],
    [
      'a folder that is not empty',
      () => {
        mkdirSync(target());
        writeFileSync(path.join(target(), 'keep.txt'), 'mine');
        return interactiveCreate(target(), { ...base, prompt: 'x' }, io, deps);
      },
      'is not empty',
    ],
    [
      'no API key',
      () => {
        io.env = {};
        return interactiveCreate(target(), { ...base, prompt: 'x' }, io, deps);
      },
      'ANTHROPIC_API_KEY is not set',
    ],
  ])('stops with exit 2 before calling the model: %s', async (_name, start, message) => {
    const err = await start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(2);
    expect((err as CliError).message).toContain(message);
    expect(api.requests).toHaveLength(0);
    expect(created).toHaveLength(0);
  });

  it('generates a real repo through createRepo', async () => {
    api.reply({ kind: 'message', answer: answer('notes') });
    expect(await interactiveCreate(target(), { ...base, yes: true, prompt: 'Notes for one team.' }, io)).toBe(0);
    const plan = JSON.parse(readFileSync(path.join(target(), 'arch.plan.json'), 'utf8'));
    expect(plan.provenance.sdkVersion).toBe('@anthropic-ai/sdk 1.10.0');
    expect(existsSync(path.join(target(), 'services/notes/openapi.yaml'))).toBe(true);
  });
});

function userTextOf(i: number): string {
  return api.messageRequests[i]!.body.messages[0].content as string;
}
