import Anthropic from '@anthropic-ai/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EVAL_SYSTEMS, runEval } from '../../src/agent/eval.js';
import { FakeMessagesApi } from './fake-api.js';
import { answer } from './helpers.js';

let api: FakeMessagesApi;
beforeEach(async () => {
  api = await new FakeMessagesApi().start();
});
afterEach(async () => {
  await api.close();
});

describe('eval:agent', () => {
  it('has eight varied systems', () => {
    expect(EVAL_SYSTEMS).toHaveLength(8);
    expect(new Set(EVAL_SYSTEMS.map((s) => s.id)).size).toBe(8);
  });

  it('says so and reports nothing without a key', async () => {
    const lines: string[] = [];
    const rows = await runEval({ env: {}, log: (l) => lines.push(l) });
    expect(rows).toBeUndefined();
    expect(lines[0]).toContain('ANTHROPIC_API_KEY is not set, so nothing was run');
    expect(api.requests).toHaveLength(0);
  });

  it('reports first-try validity, repairs, tokens and cost per system', async () => {
    api.reply(
      { kind: 'message', answer: answer('notes'), usage: { input: 3000, output: 2000 } },
      { kind: 'message', answer: answer('notes-schema-errors'), usage: { input: 3000, output: 2000 } },
      { kind: 'message', answer: answer('notes'), usage: { input: 5000, output: 2000 } },
    );
    const client = new Anthropic({ apiKey: 'sk-ant-test-dummy', baseURL: api.url, maxRetries: 0 });
    const lines: string[] = [];
    const rows = await runEval({ client, typecheck: false, systems: EVAL_SYSTEMS.slice(0, 2), log: (l) => lines.push(l) });
    expect(rows).toMatchObject([
      { id: 'ride-sharing', ok: true, validFirstTry: true, repairs: 0, services: 1, inputTokens: 3000, outputTokens: 2000, costUsd: 0.026, typecheck: 'skipped' },
      { id: 'saas-billing', ok: true, validFirstTry: false, repairs: 1, inputTokens: 8000, outputTokens: 4000, costUsd: 0.056 },
    ]);
    expect(lines.at(-1)).toContain('valid plans: 2/2; valid on the first answer: 1/2; repairs used: 1');
    expect(api.messageRequests[0]!.body.messages[0].content).toContain('ride-sharing platform');
  });
});
