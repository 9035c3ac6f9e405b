/**
 * A fake Anthropic Messages API on 127.0.0.1 for tests: the real SDK talks to it through
 * `baseURL` (or ANTHROPIC_BASE_URL). It speaks JSON (non-streaming replies and errors)
 * and SSE (streams, including an `error` event in the middle of one), replays a queue of
 * scripted replies in order, and records every request (headers and body) for assertions.
 * No network, no key: any `Authorization: Bearer` or `x-api-key` is accepted; none is a 401.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, any>;
}

export type Reply =
  /** A streamed (or, for stream: false requests, JSON) message whose text or tool input is `answer`. */
  | {
      kind: 'message';
      answer: unknown;
      stopReason?: 'end_turn' | 'max_tokens' | 'refusal' | 'tool_use';
      stopDetails?: { type: 'refusal'; category: string | null; explanation: string | null };
      /** Answer through a tool_use block named submit_plan instead of text. */
      asTool?: boolean;
      model?: string;
      usage?: { input: number; output: number; cacheRead?: number; cacheWrite?: number };
      /** Pause between streamed events, to look like a model writing (recordings). */
      chunkDelayMs?: number;
    }
  /** A recorded SSE transcript, replayed byte for byte. */
  | { kind: 'sse'; raw: string }
  /** An HTTP error with the API's JSON error body. */
  | { kind: 'error'; status: number; type: string; message: string; headers?: Record<string, string> }
  /** A stream that starts fine and then sends an `error` event (e.g. overloaded_error). */
  | { kind: 'stream-error'; partial: string; type: string; message: string };

export class FakeMessagesApi {
  readonly requests: RecordedRequest[] = [];
  private queue: Reply[] = [];
  private server: Server;
  private count = 0;
  url = '';

  constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  reply(...replies: Reply[]): this {
    this.queue.push(...replies);
    return this;
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Requests to /v1/messages, in order. */
  get messageRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.path.startsWith('/v1/messages'));
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body: Record<string, any> = {};
    try {
      body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
    } catch {
      return this.error(res, 400, 'invalid_request_error', 'body is not JSON');
    }
    this.requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });

    const bearer = /^Bearer \S+/.test(String(req.headers.authorization ?? ''));
    if (!bearer && !req.headers['x-api-key']) return this.error(res, 401, 'authentication_error', 'no API key');
    if (req.method !== 'POST' || !req.url?.startsWith('/v1/messages')) return this.error(res, 404, 'not_found_error', `no route ${req.method} ${req.url}`);

    const reply = this.queue.shift();
    if (!reply) return this.error(res, 400, 'invalid_request_error', 'fake API: no scripted reply left for this request', { 'x-should-retry': 'false' });
    const id = `msg_fake_${String(++this.count).padStart(3, '0')}`;
    switch (reply.kind) {
      case 'error':
        // retry-after-ms keeps the SDK's own backoff short in tests.
        return this.error(res, reply.status, reply.type, reply.message, { 'retry-after-ms': '5', ...reply.headers });
      case 'sse':
        res.writeHead(200, { 'content-type': 'text/event-stream', 'request-id': `req_${id}` });
        return res.end(reply.raw);
      case 'stream-error': {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'request-id': `req_${id}` });
        const events = messageEvents(id, body.model, { kind: 'message', answer: reply.partial }, false).slice(0, 4);
        for (const e of events) res.write(sse(e.type, e));
        res.write(sse('error', { type: 'error', error: { type: reply.type, message: reply.message } }));
        return res.end();
      }
      case 'message': {
        if (!body.stream) {
          res.writeHead(200, { 'content-type': 'application/json', 'request-id': `req_${id}` });
          return res.end(JSON.stringify(messageJson(id, body.model, reply)));
        }
        res.writeHead(200, { 'content-type': 'text/event-stream', 'request-id': `req_${id}` });
        for (const e of messageEvents(id, body.model, reply, true)) {
          res.write(sse(e.type, e));
          if (reply.chunkDelayMs) await new Promise((r) => setTimeout(r, reply.chunkDelayMs));
        }
        return res.end();
      }
    }
  }

  private error(res: ServerResponse, status: number, type: string, message: string, headers: Record<string, string> = {}) {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify({ type: 'error', error: { type, message }, request_id: 'req_fake_error' }));
  }
}

export function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function answerText(answer: unknown): string {
  return typeof answer === 'string' ? answer : JSON.stringify(answer);
}

function usageOf(reply: Extract<Reply, { kind: 'message' }>, text: string) {
  return {
    input_tokens: reply.usage?.input ?? 1200,
    output_tokens: reply.usage?.output ?? Math.ceil(text.length / 4),
    cache_creation_input_tokens: reply.usage?.cacheWrite ?? 0,
    cache_read_input_tokens: reply.usage?.cacheRead ?? 0,
  };
}

function messageJson(id: string, model: string, reply: Extract<Reply, { kind: 'message' }>) {
  const text = answerText(reply.answer);
  return {
    id,
    type: 'message',
    role: 'assistant',
    model: reply.model ?? model,
    content: reply.asTool ? [{ type: 'tool_use', id: `toolu_${id}`, name: 'submit_plan', input: JSON.parse(text) }] : [{ type: 'text', text }],
    stop_reason: reply.stopReason ?? (reply.asTool ? 'tool_use' : 'end_turn'),
    stop_sequence: null,
    stop_details: reply.stopDetails ?? null,
    usage: usageOf(reply, text),
  };
}

/** The event sequence of a streamed message, as the API sends it. */
export function messageEvents(id: string, model: string, reply: Extract<Reply, { kind: 'message' }>, complete: boolean): Array<{ type: string } & Record<string, unknown>> {
  const text = answerText(reply.answer);
  const usage = usageOf(reply, text);
  const events: Array<{ type: string } & Record<string, unknown>> = [
    {
      type: 'message_start',
      message: {
        id,
        type: 'message',
        role: 'assistant',
        model: reply.model ?? model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        stop_details: null,
        usage: { ...usage, output_tokens: 1 },
      },
    },
    {
      type: 'content_block_start',
      index: 0,
      content_block: reply.asTool ? { type: 'tool_use', id: `toolu_${id}`, name: 'submit_plan', input: {} } : { type: 'text', text: '' },
    },
    { type: 'ping' },
  ];
  // Chunks of a few hundred characters, like the API's deltas.
  for (let i = 0; i < text.length; i += 400) {
    const piece = text.slice(i, i + 400);
    events.push({ type: 'content_block_delta', index: 0, delta: reply.asTool ? { type: 'input_json_delta', partial_json: piece } : { type: 'text_delta', text: piece } });
  }
  if (!complete) return events;
  events.push(
    { type: 'content_block_stop', index: 0 },
    {
      type: 'message_delta',
      delta: { stop_reason: reply.stopReason ?? (reply.asTool ? 'tool_use' : 'end_turn'), stop_sequence: null, stop_details: reply.stopDetails ?? null },
      usage: { output_tokens: usage.output_tokens },
    },
    { type: 'message_stop' },
  );
  return events;
}
