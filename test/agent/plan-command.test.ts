/**
 * `plan` end to end through the real @anthropic-ai/sdk against a fake Messages API on
 * 127.0.0.1: every "Done when" bullet of issue 4 about the agent's call.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MISSING_KEY_MESSAGE } from '../../src/agent/architect.js';
import { planCommand } from '../../src/cli/commands/plan.js';
import { CliError } from '../../src/errors.js';
import { checkPlan } from '../../src/plan/validate.js';
import { FakeMessagesApi } from './fake-api.js';
import { answer, fixture, tempDir, testIO, userText, type TestIO } from './helpers.js';

let api: FakeMessagesApi;
let tmp: ReturnType<typeof tempDir>;
let io: TestIO;
let out: string;

beforeEach(async () => {
  api = await new FakeMessagesApi().start();
  tmp = tempDir();
  io = testIO({ ANTHROPIC_API_KEY: 'sk-ant-test-dummy', ANTHROPIC_BASE_URL: api.url });
  out = path.join(tmp.dir, 'p.json');
});

afterEach(async () => {
  await api.close();
  tmp.remove();
});

const DESCRIPTION = 'A small service that stores text notes for one team.';

async function run(...extra: string[]): Promise<number> {
  return planCommand([DESCRIPTION, '--out', out, ...extra], io);
}

async function failure(promise: Promise<unknown>): Promise<CliError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CliError);
  return err as CliError;
}

function saved(): Record<string, any> {
  return JSON.parse(readFileSync(out, 'utf8'));
}

describe('plan: a valid answer', () => {
  it('streams a recorded answer, validates it and saves it with provenance', async () => {
    api.reply({ kind: 'sse', raw: fixture('notes.stream.sse') });
    expect(await run()).toBe(0);

    const plan = saved();
    expect(checkPlan(plan).ok).toBe(true);
    expect(plan.services.map((s: { name: string }) => s.name)).toEqual(['notes']);
    // "Nothing" values of the wire form are gone from the saved plan.
    expect(plan.services[0].boundedContext).toBeUndefined();
    expect(plan.provenance).toMatchObject({
      model: 'claude-sonnet-5-5',
      sdkVersion: '@anthropic-ai/sdk 1.10.0',
      inputHash: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      usage: { inputTokens: 2816, outputTokens: 2310, cacheWriteTokens: 2790, cacheReadTokens: 0 },
      repairs: 0,
    });
    // 2816 * 2 + 2790 * 2.5 + 2310 * 10 per million (sonnet 5.5: $2 / $10, cache write 1.25x).
    expect(plan.provenance.estimatedCostUsd).toBeCloseTo(0.0357, 4);
    expect(io.stdout.text).toContain('● notes (rest, /v1, no data store)');
    expect(io.stdout.text).toContain(`wrote ${out}`);
    expect(io.stderr.text).toContain('service 1: notes');
  });

  it('sends the persona as a cached system block, the plan schema as output_config.format, and streams', async () => {
    api.reply({ kind: 'message', answer: answer('notes') });
    expect(await run()).toBe(0);
    const [req] = api.messageRequests;
    expect(req!.headers.authorization).toBe('Bearer sk-ant-test-dummy');
    const body = req!.body;
    expect(body.stream).toBe(true);
    expect(body.model).toBe('claude-sonnet-5-5');
    expect(body.system).toHaveLength(1);
    expect(body.system[0].cache_control).toEqual({ type: 'ephemeral' });
    expect(body.system[0].text).toContain('You are a senior backend architect');
    expect(body.output_config.format.type).toBe('json_schema');
    expect(body.output_config.format.schema.properties.services.type).toBe('array');
    expect(body.tools).toBeUndefined();
    expect(userText(body)).toContain(DESCRIPTION);
  });

  it('gives the same input hash for the same persona, description and schema', async () => {
    api.reply({ kind: 'message', answer: answer('notes') }, { kind: 'message', answer: answer('notes') });
    await run();
    const first = saved().provenance.inputHash;
    await run('--yes');
    expect(saved().provenance.inputHash).toBe(first);
  });

  it.each([
    ['opus', 'claude-opus-5-5'],
    ['haiku', 'claude-haiku-5-5'],
    ['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5-20250929'],
  ])('--model %s asks for %s', async (flag, id) => {
    api.reply({ kind: 'message', answer: answer('notes'), model: id });
    expect(await run('--model', flag)).toBe(0);
    expect(api.messageRequests[0]!.body.model).toBe(id);
    expect(saved().provenance.model).toBe(id);
  });
});

describe('plan --agent', () => {
  it('uses any agent file of the same format: its prompt, and its model alias', async () => {
    const file = path.join(tmp.dir, 'lean-architect.md');
    writeFileSync(file, '---\nname: lean-architect\ndescription: Prefers one service until it hurts.\nmodel: haiku\n---\nYou design the smallest system that works.\n');
    api.reply({ kind: 'message', answer: answer('notes'), model: 'claude-haiku-5-5' });
    expect(await run('--agent', file)).toBe(0);
    const body = api.messageRequests[0]!.body;
    expect(body.model).toBe('claude-haiku-5-5');
    expect(body.system[0].text.startsWith('You design the smallest system that works.')).toBe(true);
    expect(body.system[0].text).toContain('## The plan format');
    expect(saved().provenance.estimatedCostUsd).toBeGreaterThan(0);
  });
});

describe('plan: the repair loop', () => {
  it('repairs schema errors in one round; the second request carries the problems by JSON path', async () => {
    api.reply({ kind: 'message', answer: answer('notes-schema-errors') }, { kind: 'message', answer: answer('notes') });
    expect(await run()).toBe(0);
    expect(api.messageRequests).toHaveLength(2);
    const second = api.messageRequests[1]!.body;
    // The model sees its own answer, then the problems.
    expect(second.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(JSON.parse(second.messages[1].content).name).toBe('Notes App');
    const problems = second.messages[2].content as string;
    for (const p of ['$.name:', '$.services[0].name:', '$.services[0].operations[0].id:', '$.services[0].operations[2].path:', '$.decisions[0].id:']) expect(problems).toContain(p);
    expect(saved().provenance.repairs).toBe(1);
    expect(io.stderr.text).toContain('repair round 1 of 2');
  });

  it('repairs a semantic error (a call to a service that does not exist)', async () => {
    api.reply({ kind: 'message', answer: answer('shop-unknown-service') }, { kind: 'message', answer: answer('shop') });
    expect(await run()).toBe(0);
    const problems = api.messageRequests[1]!.body.messages[2].content as string;
    expect(problems).toContain('$.services[1].dependsOn[1].service: unknown service "paymnts" (did you mean "payments"?)');
    expect(saved().services).toHaveLength(4);
  });

  it('stops at the repair limit with exit 1 and writes nothing', async () => {
    api.reply({ kind: 'message', answer: answer('shop-unknown-service') }, { kind: 'message', answer: answer('shop-unknown-service') });
    const err = await failure(run('--max-repairs', '1'));
    expect(err.exitCode).toBe(1);
    expect(err.message).toContain('still invalid after 1 repair round');
    expect(err.message).toContain('$.services[1].dependsOn[1].service');
    expect(api.messageRequests).toHaveLength(2);
    expect(tmp.files()).toEqual([]);
  });

  it('treats an answer that is not JSON as a problem to repair', async () => {
    api.reply({ kind: 'message', answer: '{"planVersion": 1, "name": "no' }, { kind: 'message', answer: answer('notes') });
    expect(await run()).toBe(0);
    expect(api.messageRequests[1]!.body.messages[2].content).toContain('not valid JSON');
  });
});

describe('plan: API failures', () => {
  it('survives a 529 overloaded reply (the SDK retries it)', async () => {
    api.reply({ kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' }, { kind: 'message', answer: answer('notes') });
    expect(await run()).toBe(0);
    expect(api.messageRequests).toHaveLength(2);
    expect(checkPlan(saved()).ok).toBe(true);
  });

  it('retries an overloaded_error in the middle of a stream itself', async () => {
    api.reply({ kind: 'stream-error', partial: JSON.stringify(answer('notes')), type: 'overloaded_error', message: 'Overloaded' }, { kind: 'message', answer: answer('notes') });
    expect(await run()).toBe(0);
    expect(api.messageRequests).toHaveLength(2);
    expect(io.stderr.text).toContain('overloaded_error in the middle of the answer; retrying');
    expect(saved().provenance.repairs).toBe(0);
  });

  it('gives up on a stream that keeps failing, with exit 1 and no file', async () => {
    for (let i = 0; i < 4; i++) api.reply({ kind: 'stream-error', partial: '{"planVersion":1', type: 'overloaded_error', message: 'Overloaded' });
    const err = await failure(run());
    expect(err.exitCode).toBe(1);
    expect(err.message).toContain('overloaded');
    expect(api.messageRequests).toHaveLength(4);
    expect(tmp.files()).toEqual([]);
  });

  it('retries a max_tokens stop once with a larger budget', async () => {
    const text = JSON.stringify(answer('notes'));
    api.reply({ kind: 'message', answer: text.slice(0, 3000), stopReason: 'max_tokens' }, { kind: 'message', answer: answer('notes') });
    expect(await run()).toBe(0);
    const [a, b] = api.messageRequests;
    expect(b!.body.max_tokens).toBeGreaterThan(a!.body.max_tokens);
    // Same conversation: a bigger budget is not a repair.
    expect(b!.body.messages).toEqual(a!.body.messages);
    expect(saved().provenance.repairs).toBe(0);
  });

  it('stops after a second max_tokens, with exit 1 and no file', async () => {
    const cut = JSON.stringify(answer('notes')).slice(0, 3000);
    api.reply({ kind: 'message', answer: cut, stopReason: 'max_tokens' }, { kind: 'message', answer: cut, stopReason: 'max_tokens' });
    const err = await failure(run());
    expect(err.exitCode).toBe(1);
    expect(err.message).toContain('did not fit');
    expect(tmp.files()).toEqual([]);
  });

  it('stops on a refusal with its reason, exit 1 and no file', async () => {
    api.reply({ kind: 'message', answer: '', stopReason: 'refusal', stopDetails: { type: 'refusal', category: 'cyber', explanation: 'This looks like malware infrastructure.' } });
    const err = await failure(run());
    expect(err.exitCode).toBe(1);
    expect(err.message).toContain('declined');
    expect(err.message).toContain('cyber: This looks like malware infrastructure.');
    expect(api.messageRequests).toHaveLength(1);
    expect(tmp.files()).toEqual([]);
  });

  it('falls back to a strict tool when the model has no structured outputs', async () => {
    api.reply(
      { kind: 'error', status: 400, type: 'invalid_request_error', message: 'output_config.format: structured outputs are not supported for this model' },
      { kind: 'message', answer: answer('notes'), asTool: true },
    );
    expect(await run()).toBe(0);
    const second = api.messageRequests[1]!.body;
    expect(second.output_config).toBeUndefined();
    expect(second.tools[0]).toMatchObject({ name: 'submit_plan', strict: true });
    expect(second.tool_choice).toEqual({ type: 'auto' });
    expect(checkPlan(saved()).ok).toBe(true);
  });

  it('repairs through tool results in tool mode', async () => {
    api.reply(
      { kind: 'error', status: 400, type: 'invalid_request_error', message: 'output_config.format is not supported for this model' },
      { kind: 'message', answer: answer('notes-schema-errors'), asTool: true },
      { kind: 'message', answer: answer('notes'), asTool: true },
    );
    expect(await run()).toBe(0);
    const third = api.messageRequests[2]!.body;
    expect(third.messages[1].content[0].type).toBe('tool_use');
    expect(third.messages[2].content[0]).toMatchObject({ type: 'tool_result', is_error: true });
    expect(third.messages[2].content[0].content).toContain('$.services[0].name');
  });

  it('falls back to plain JSON when the schema is too complex for the grammar compiler', async () => {
    api.reply(
      { kind: 'error', status: 400, type: 'invalid_request_error', message: 'output_config.format.schema: Invalid schema: The compiled grammar is too large, which would cause performance issues.' },
      { kind: 'message', answer: `Here is the plan:\n${JSON.stringify(answer('notes'))}` },
    );
    expect(await run()).toBe(0);
    const second = api.messageRequests[1]!.body;
    expect(second.output_config).toBeUndefined();
    expect(second.system[0].text).toContain('It must conform to this JSON Schema');
    expect(checkPlan(saved()).ok).toBe(true);
  });

  it('reports a rejected key (401) as a failure naming the variable', async () => {
    api.reply({ kind: 'error', status: 401, type: 'authentication_error', message: 'invalid x-api-key' });
    const err = await failure(run());
    expect(err.exitCode).toBe(1);
    expect(err.message).toContain('Check ANTHROPIC_API_KEY');
  });
});

describe('plan: refusing to start', () => {
  it('exits 2 without a key, says how to set one and how to work without, writes nothing, calls nothing', async () => {
    io.env = { ANTHROPIC_BASE_URL: api.url };
    const err = await failure(run());
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe(MISSING_KEY_MESSAGE);
    expect(err.message).toContain('export ANTHROPIC_API_KEY=');
    expect(err.message).toContain('--example');
    expect(err.message).toContain('--plan');
    expect(api.requests).toHaveLength(0);
    expect(tmp.files()).toEqual([]);
  });

  it('will not overwrite an existing file without --yes (no terminal to ask on)', async () => {
    writeFileSync(out, '{"mine": true}\n');
    const err = await failure(run());
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('--yes');
    expect(readFileSync(out, 'utf8')).toBe('{"mine": true}\n');
    expect(api.requests).toHaveLength(0);
  });

  it.each([
    [['--out', 'x.json'], 'describe the system'],
    [['x', '--max-repairs', 'many'], '--max-repairs'],
    [['x', '--max-repairs', '11'], '--max-repairs'],
    [['x', '--model', 'rm -rf /'], 'not a model id'],
  ])('rejects %j with a usage error', async (args, message) => {
    const err = await failure(planCommand(args, io));
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(message);
    expect(api.requests).toHaveLength(0);
  });
});

describe('plan: hostile answers', () => {
  const notes = () => answer('notes');
  const cases: Array<[string, () => unknown, string]> = [
    [
      'service names with path separators and shell characters',
      () => {
        const a = notes();
        a.services[0].name = '../../etc';
        a.services.push({ ...structuredClone(a.services[0]), name: '$(rm -rf ~)' });
        return a;
      },
      '$.services[0].name: must be kebab-case',
    ],
    [
      'five thousand services',
      () => {
        const a = notes();
        a.services = Array.from({ length: 5000 }, (_, i) => ({ ...structuredClone(a.services[0]), name: `svc-${i}`, models: [], operations: [], description: 'x' }));
        return a;
      },
      '$.services: Too big: expected array to have <=200 items',
    ],
    [
      'an answer beyond 4 MB',
      () => ({ ...notes(), summary: 'y'.repeat(5 * 1024 * 1024) }),
      "the model's answer exceeded 4,194,304 characters",
    ],
    [
      'a one-megabyte string',
      () => {
        const a = notes();
        a.summary = 'x'.repeat(1024 * 1024);
        return a;
      },
      '$.summary:',
    ],
  ];

  it.each(cases)('rejects %s with a clear message and writes nothing', async (_name, make, expected) => {
    const hostile = make();
    api.reply({ kind: 'message', answer: hostile }, { kind: 'message', answer: hostile });
    const err = await failure(run('--max-repairs', '1'));
    expect(err.exitCode).toBe(1);
    expect(err.message).toContain(expected);
    expect(tmp.files()).toEqual([]);
    // A huge answer is never echoed back whole in a repair request.
    for (const r of api.messageRequests) expect(JSON.stringify(r.body).length).toBeLessThan(400_000);
  });
});

describe('plan: terminal safety', () => {
  const ESC = '\u001b';
  it('never sends escape sequences from an answer to the terminal', async () => {
    const badName = answer('notes');
    badName.services[0].name = `${ESC}]0;pwned\u0007${ESC}[2J`;
    const badType = answer('notes');
    badType.services[0].models[0].fields[0].type = `${ESC}[2J`;
    api.reply({ kind: 'message', answer: badName }, { kind: 'message', answer: badType });
    const err = await failure(run('--max-repairs', '1'));
    expect(err.message).toContain('"\\x1b[2J" is neither a primitive');
    expect(err.message).not.toContain(ESC);
    expect(io.stderr.text).toContain('service 1: \\x1b]0;pwned\\x07\\x1b[2J');
    expect(io.stderr.text).not.toContain(ESC);
  });

  it('shows free text of a valid plan with its control characters made visible', async () => {
    const plan = answer('notes');
    plan.services[0].description = `Notes.${ESC}[2J${ESC}[H`;
    api.reply({ kind: 'message', answer: plan });
    expect(await run()).toBe(0);
    expect(io.stdout.text).toContain('Notes.\\x1b[2J\\x1b[H');
    expect(io.stdout.text).not.toContain(ESC);
  });
});

describe('plan --refine', () => {
  it('evolves a plan, overwrites it in place, and prints what changed', async () => {
    const file = path.join(tmp.dir, 'shop.json');
    writeFileSync(file, readFileSync(path.join(import.meta.dirname, '../../examples/shop.json')));
    api.reply({ kind: 'message', answer: answer('shop-with-shipping') });
    const code = await planCommand(['--refine', file, 'add a shipping service that listens to order events'], io);
    expect(code).toBe(0);

    const first = api.messageRequests[0]!.body.messages[0].content as string;
    expect(first).toContain('Here is the current architecture plan');
    expect(first).toContain('"name":"notifications"');
    expect(first).toContain('add a shipping service that listens to order events');

    const plan = JSON.parse(readFileSync(file, 'utf8'));
    expect(plan.services.map((s: { name: string }) => s.name)).toContain('shipping');
    expect(plan.$schema).toBe('../schemas/plan.schema.json');
    expect(plan.provenance.model).toBe('claude-sonnet-5-5');
    expect(io.stdout.text).toBe(
      [
        'Services:',
        '  + shipping',
        'Operations:',
        '  + shipping.listShipments  GET /v1/shipments',
        '  + shipping.getShipment  GET /v1/shipments/{shipmentId}',
        'Events:',
        '  + shipment.dispatched',
        'Changed: notifications',
        `wrote ${file}`,
        '',
      ].join('\n'),
    );
    expect(tmp.files()).toEqual(['shop.json']);
  });

  it('refuses an invalid plan to refine with exit 2, before calling the model', async () => {
    const file = path.join(tmp.dir, 'bad.json');
    writeFileSync(file, '{"planVersion": 1, "name": "Bad Name"}');
    const err = await failure(planCommand(['--refine', file, 'add search'], io));
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('$.name');
    expect(api.requests).toHaveLength(0);
    expect(existsSync(path.join(tmp.dir, 'bad.json'))).toBe(true);
  });
});
