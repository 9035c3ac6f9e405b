/** The fake Messages API itself, driven by the real SDK: JSON replies, SSE streams, auth. */
import Anthropic from '@anthropic-ai/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeMessagesApi } from './fake-api.js';

let api: FakeMessagesApi;
beforeEach(async () => {
  api = await new FakeMessagesApi().start();
});
afterEach(async () => {
  await api.close();
});

const params = { model: 'claude-haiku-5-5', max_tokens: 100, messages: [{ role: 'user' as const, content: 'hi' }] };

describe('fake Messages API', () => {
  it('answers a non-streaming request with a JSON message the SDK parses', async () => {
    api.reply({ kind: 'message', answer: '{"ok":true}', usage: { input: 12, output: 5 } });
    const client = new Anthropic({ apiKey: 'sk-ant-test-dummy', baseURL: api.url, maxRetries: 0 });
    const message = await client.messages.create(params);
    expect(message.content).toEqual([{ type: 'text', text: '{"ok":true}' }]);
    expect(message.usage).toMatchObject({ input_tokens: 12, output_tokens: 5 });
    expect(api.requests[0]!.headers.authorization).toBe('Bearer sk-ant-test-dummy');
  });

  it('streams the same message as SSE events the SDK accumulates', async () => {
    const text = JSON.stringify({ long: 'x'.repeat(1000) });
    api.reply({ kind: 'message', answer: text });
    const client = new Anthropic({ apiKey: 'sk-ant-test-dummy', baseURL: api.url, maxRetries: 0 });
    const deltas: string[] = [];
    const stream = client.messages.stream(params).on('text', (d) => deltas.push(d));
    const message = await stream.finalMessage();
    expect(deltas.length).toBe(3);
    expect(message.content[0]).toMatchObject({ type: 'text', text });
    expect(message.stop_reason).toBe('end_turn');
  });

  it('accepts x-api-key and refuses a request without credentials', async () => {
    api.reply({ kind: 'message', answer: 'ok' });
    const withHeader = new Anthropic({ apiKey: null, authToken: null, baseURL: api.url, maxRetries: 0, defaultHeaders: { 'x-api-key': 'k' } });
    await expect(withHeader.messages.create(params)).resolves.toMatchObject({ content: [{ text: 'ok' }] });
    // The SDK will not send a request without credentials, so plain fetch plays the stranger.
    const res = await fetch(`${api.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(params) });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
  });
});
