/**
 * The architect agent: description in, validated plan out (DESIGN.md §5, issue 4).
 *
 *   persona (cached system block) + description
 *     -> messages.stream with output_config.format (the wire schema)
 *     -> parse -> fromWire -> checkPlan (zod schema, then semantic rules)
 *     -> on problems: send the answer back with the problems by JSON path, at most N rounds
 *
 * Failure handling, each decided once here:
 * - 429 / 5xx / 529 before the stream starts: the SDK retries (maxRetries);
 * - an `overloaded_error` (or `api_error`) event in the middle of a stream: the SDK does not
 *   retry it, so we do, with exponential backoff and jitter;
 * - `stop_reason: max_tokens`: the JSON is truncated; ask once more with a larger budget;
 * - `stop_reason: refusal`: stop, with the category and explanation the API gives;
 * - a 400 saying the model has no structured outputs: fall back to a strict tool; a 400
 *   saying the schema is too complex for the grammar compiler: fall back to plain JSON
 *   text (the schema goes into the prompt). Validation after is the same in every mode.
 */
import { createHash } from 'node:crypto';
import Anthropic, { APIConnectionError, APIError } from '@anthropic-ai/sdk';
import { jsonSchemaOutputFormat } from '@anthropic-ai/sdk/helpers/json-schema';
import type { ContentBlock, Message, MessageParam, TextBlockParam, Tool } from '@anthropic-ai/sdk/resources/messages';
import { VERSION as SDK_VERSION } from '@anthropic-ai/sdk/version';
import { CliError, EXIT, UsageError, formatProblems, type Problem } from '../errors.js';
import { packageVersion } from '../paths.js';
import { LIMITS, type Plan } from '../plan/schema.js';
import { RESERVED_PATHS, RESERVED_SERVICE_NAMES, checkPlan } from '../plan/validate.js';
import { estimateCost, type TokenUsage } from './models.js';
import type { AgentFile } from './persona.js';
import { silentProgress, type ProgressSink } from './progress.js';
import { terminalSafe } from './terminal-text.js';
import { fromWire, toWire, wireJsonSchema } from './wire-schema.js';

export type OutputMode = 'format' | 'tool' | 'text';

export interface DesignOptions {
  /** What to build (or, with `base`, what to change). */
  description: string;
  /** Refine: the current plan, evolved by `description`. */
  base?: Plan;
  persona: AgentFile;
  /** A resolved model id (see resolveModel). */
  model: string;
  client: Anthropic;
  /** Repair rounds after the first answer; default 2. */
  maxRepairs?: number;
  /** Output budget of the first request; a truncated answer is retried once with `maxTokensRetry`. */
  maxTokens?: number;
  maxTokensRetry?: number;
  /** Our own retries of a stream that fails midway. */
  streamRetries?: number;
  retryBaseMs?: number;
  progress?: ProgressSink;
  signal?: AbortSignal;
}

export interface DesignResult {
  /** The valid plan, with provenance. */
  plan: Plan;
  repairs: number;
  mode: OutputMode;
  usage: TokenUsage;
  /** The model id the API answered with. */
  model: string;
  requests: number;
}

export const DEFAULT_MAX_REPAIRS = 2;
export const DEFAULT_MAX_TOKENS = 32_000;
export const RETRY_MAX_TOKENS = 64_000;
/** An answer longer than this is not a plan: stop reading it (4 MB of text). */
export const MAX_ANSWER_CHARS = 4 * 1024 * 1024;
/** Longer answers are not echoed back in full in a repair request. */
const MAX_ECHO_CHARS = 200_000;
const MAX_PROBLEMS_SENT = 60;
const TOOL_NAME = 'submit_plan';

/** Why the agent stopped without a plan. Exit 1: the input was fine, the outcome was not. */
export class AgentError extends CliError {
  constructor(
    message: string,
    readonly reason: 'repair-limit' | 'refusal' | 'max-tokens' | 'api' | 'too-large',
    readonly problems: Problem[] = [],
  ) {
    super(message, EXIT.failure);
  }
}

export const MISSING_KEY_MESSAGE = [
  'ANTHROPIC_API_KEY is not set: the architect agent needs it to call the Anthropic API.',
  '  Set it for this shell:   export ANTHROPIC_API_KEY=sk-ant-...   (create one at https://console.anthropic.com/settings/keys)',
  '  ANTHROPIC_BASE_URL is honoured too (a proxy or gateway).',
  'Without a key, generate from a plan instead:',
  '  create-arch-service <dir> --example shop      (bundled examples: minimal, shop)',
  '  create-arch-service <dir> --plan <plan.json>',
].join('\n');

/** A client from the environment, or the usage error that says how to get one. */
export function createClient(env: NodeJS.ProcessEnv = process.env): Anthropic {
  const apiKey = env.ANTHROPIC_API_KEY?.trim();
  const authToken = env.ANTHROPIC_AUTH_TOKEN?.trim();
  if (!apiKey && !authToken) throw new UsageError(MISSING_KEY_MESSAGE);
  return new Anthropic({
    ...(apiKey ? { apiKey } : { authToken }),
    baseURL: env.ANTHROPIC_BASE_URL?.trim() || undefined,
    // The SDK retries 408/409/429/5xx/529 before a stream starts, with backoff and Retry-After.
    maxRetries: 3,
    timeout: 10 * 60 * 1000,
  });
}

/** The rules a plan must satisfy beyond its shape: what checkPlan enforces, said up front. */
const PLAN_CONTRACT = `## The plan format

Answer with one JSON object: the architecture plan, in the schema you are given. Conventions:
- Every key is present. Write "" for text you have nothing for, [] for an empty list, and 0 for
  the numbers marked "0 when not set"; the tool removes these before saving.
- Names: services and the system are kebab-case (orders, payment-gateway), at most ${LIMITS.name} characters;
  models are PascalCase; operation ids camelCase and unique in their service; fields are
  identifiers; events are lower-case dotted past-tense facts (order.placed).
- planVersion is 1. Ports, when you set them, are unique and between 1024 and 65535.
- Each operation: a URL path such as /orders/{orderId} (no query string), a method, a summary,
  a response status and model (omit the model for 204), the error statuses it can answer, and
  "paginated": true on list endpoints (limit and cursor are added for you). GET and DELETE take
  no request body. requestBody and response.model name models of the same service.
- A field's type is string, integer, number, boolean, object, or a model of the same service.
  format, enum and maxLength are for strings; minimum and maximum for numbers. Query
  parameters and event payload fields are primitives.
- dependsOn lists synchronous calls: the service exists, is not the caller, its listed
  operations exist, and calls never form a cycle.
- Every event in events has one producer (a service that lists it in publishes) and consumers
  (services that list it in consumes). Events need a broker.
- Each service with data owns its own datastore; two services never share one.
- Operations with "auth": "jwt" need auth.kind "jwt". Decision ids are ADR-001, ADR-002, ...
- Reserved service names: ${[...RESERVED_SERVICE_NAMES].join(', ')}.
  Reserved paths: ${RESERVED_PATHS.join(', ')}.`;

function systemBlocks(persona: AgentFile, mode: OutputMode, schema: Record<string, unknown>): TextBlockParam[] {
  let text = `${persona.prompt}\n\n${PLAN_CONTRACT}`;
  if (mode === 'tool') text += `\n\nSubmit the plan by calling the ${TOOL_NAME} tool exactly once; its input is the plan.`;
  if (mode === 'text') text += `\n\nAnswer with the JSON object only: no prose, no code fence. It must conform to this JSON Schema:\n${JSON.stringify(schema)}`;
  // One block, cached: the persona and the contract are the same for every request of a run,
  // and across runs within the cache lifetime.
  return [{ type: 'text', text, cache_control: { type: 'ephemeral' } }];
}

function firstMessage(description: string, base?: Plan): string {
  if (!base) return `Design the architecture for this system:\n\n${description.trim()}`;
  const current = JSON.stringify(toWire(stripForModel(base)));
  return [
    'Here is the current architecture plan:',
    current,
    '',
    `Change it as follows: ${description.trim()}`,
    '',
    'Answer with the complete updated plan. Keep every part the change does not affect exactly as it is (same names, same order); add, change or remove only what the change needs, and keep the plan consistent (calls, events, decisions).',
  ].join('\n');
}

function stripForModel(plan: Plan): Plan {
  const { $schema: _s, provenance: _p, ...rest } = plan;
  return rest as Plan;
}

export function inputHash(persona: AgentFile, description: string, base: Plan | undefined, schema: Record<string, unknown>): string {
  const h = createHash('sha256');
  for (const part of [persona.prompt, description.trim(), base ? JSON.stringify(stripForModel(base)) : '', JSON.stringify(schema)]) {
    h.update(part);
    h.update('\u0000');
  }
  return `sha256:${h.digest('hex')}`;
}

interface Answer {
  message: Message;
  /** The JSON text (or tool input, serialized) of the answer. */
  text: string;
  /** In tool mode, the block to echo back. */
  toolUse?: Extract<ContentBlock, { type: 'tool_use' }>;
}

export async function designPlan(opts: DesignOptions): Promise<DesignResult> {
  const progress = opts.progress ?? silentProgress;
  const maxRepairs = opts.maxRepairs ?? DEFAULT_MAX_REPAIRS;
  const wire = wireJsonSchema();
  // The SDK's own transform: what structured outputs accept (constraints moved to descriptions).
  const format = jsonSchemaOutputFormat(wire as { type: 'object' });
  const sentSchema = format.schema as Record<string, unknown>;
  const usage: TokenUsage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
  const messages: MessageParam[] = [{ role: 'user', content: firstMessage(opts.description, opts.base) }];

  let mode: OutputMode = 'format';
  let maxTokens = opts.maxTokens ?? DEFAULT_MAX_TOKENS;
  let biggerBudgetUsed = false;
  let repairs = 0;
  let requests = 0;
  let purpose: 'design' | 'refine' | 'repair' | 'bigger budget' = opts.base ? 'refine' : 'design';
  let answeredModel = opts.model;

  for (;;) {
    let answer: Answer;
    try {
      answer = await streamOnce();
    } catch (err) {
      const fallback = fallbackFor(err, mode);
      if (!fallback) throw apiFailure(err, opts);
      progress.note(fallback.note);
      mode = fallback.mode;
      continue;
    }
    const { message } = answer;
    answeredModel = message.model || answeredModel;

    if (message.stop_reason === 'refusal') {
      const d = message.stop_details;
      const why = terminalSafe([d?.category, d?.explanation].filter(Boolean).join(': ') || 'no reason given');
      throw new AgentError(`the model declined to design this system (${why}). Nothing was written; rephrase the description and try again.`, 'refusal');
    }
    if (message.stop_reason === 'max_tokens') {
      if (biggerBudgetUsed) {
        throw new AgentError(
          `the plan did not fit in ${maxTokens.toLocaleString('en-US')} output tokens, even after one retry with a larger budget. Nothing was written; describe a smaller system, or split it and refine the plan step by step (--refine).`,
          'max-tokens',
        );
      }
      biggerBudgetUsed = true;
      maxTokens = Math.max(opts.maxTokensRetry ?? RETRY_MAX_TOKENS, maxTokens * 2);
      purpose = 'bigger budget';
      continue;
    }

    const problems = evaluate(answer.text);
    if (problems.ok) {
      const plan = withProvenance(problems.plan, {
        model: answeredModel,
        inputHash: inputHash(opts.persona, opts.description, opts.base, wire),
        usage,
        repairs,
      }, opts.base);
      return { plan, repairs, mode, usage, model: answeredModel, requests };
    }
    if (repairs >= maxRepairs) {
      throw new AgentError(
        terminalSafe(formatProblems(undefined, problems.problems.slice(0, 30), `the model's plan is still invalid after ${repairs} repair round${repairs === 1 ? '' : 's'} (--max-repairs ${maxRepairs}); nothing was written`) +
          (problems.problems.length > 30 ? `\n  … and ${problems.problems.length - 30} more` : '')),
        'repair-limit',
        problems.problems,
      );
    }
    repairs++;
    progress.repair(repairs, maxRepairs, problems.problems);
    messages.push(...repairTurns(answer, problems.problems, mode));
    purpose = 'repair';
  }

  async function streamOnce(): Promise<Answer> {
    const retries = opts.streamRetries ?? 3;
    const base = opts.retryBaseMs ?? 1000;
    for (let attempt = 0; ; attempt++) {
      try {
        return await requestOnce(attempt === 0 ? purpose : 'retry');
      } catch (err) {
        if (!isMidStreamTransient(err) || attempt >= retries) throw err;
        const delay = Math.round(base * 2 ** attempt * (0.75 + Math.random() * 0.5));
        progress.retry(`the API reported ${(err as APIError).type ?? 'an error'} in the middle of the answer`, delay);
        await sleep(delay, opts.signal);
      }
    }
  }

  async function requestOnce(why: 'design' | 'refine' | 'repair' | 'bigger budget' | 'retry'): Promise<Answer> {
    requests++;
    progress.request({ model: opts.model, maxTokens, purpose: why, mode });
    const params: Anthropic.MessageStreamParams = {
      model: opts.model,
      max_tokens: maxTokens,
      system: systemBlocks(opts.persona, mode, sentSchema),
      messages,
    };
    if (mode === 'format') params.output_config = { format: { type: 'json_schema', schema: sentSchema } };
    if (mode === 'tool') {
      const tool: Tool = {
        name: TOOL_NAME,
        description: 'Submit the complete architecture plan.',
        input_schema: sentSchema as Tool['input_schema'],
        strict: true,
      };
      params.tools = [tool];
      // Forcing a specific tool is rejected by newer models; the prompt asks for the call.
      params.tool_choice = { type: 'auto' };
    }
    const stream = opts.client.messages.stream(params, { signal: opts.signal });
    let received = 0;
    const guard = (delta: string) => {
      received += delta.length;
      if (received > MAX_ANSWER_CHARS) stream.abort();
      else progress.text(delta);
    };
    stream.on('text', guard);
    stream.on('inputJson', (delta) => guard(delta));
    let message: Message;
    try {
      message = await stream.finalMessage();
    } catch (err) {
      if (received > MAX_ANSWER_CHARS) {
        throw new AgentError(`the model's answer exceeded ${MAX_ANSWER_CHARS.toLocaleString('en-US')} characters; no plan is that large. Nothing was written.`, 'too-large');
      }
      throw err;
    }
    addUsage(usage, message.usage);
    progress.answered({ outputTokens: message.usage.output_tokens, stopReason: message.stop_reason });
    const toolUse = message.content.find((b): b is Extract<ContentBlock, { type: 'tool_use' }> => b.type === 'tool_use' && b.name === TOOL_NAME);
    if (toolUse) return { message, text: JSON.stringify(toolUse.input), toolUse };
    const text = message.content
      .filter((b): b is Extract<ContentBlock, { type: 'text' }> => b.type === 'text')
      .map((b) => b.text)
      .join('');
    return { message, text };
  }
}

type Evaluation = { ok: true; plan: Plan } | { ok: false; problems: Problem[] };

/** Parse, convert from the wire form, validate: schema first, then semantics. */
export function evaluate(text: string): Evaluation {
  const json = extractJson(text);
  if (json === undefined) return { ok: false, problems: [{ path: '', message: 'the answer is not a JSON object; answer with the plan as one JSON object' }] };
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    return { ok: false, problems: [{ path: '', message: `the answer is not valid JSON (${(err as Error).message}); answer with the complete plan as one JSON object` }] };
  }
  const result = checkPlan(fromWire(value));
  return result.ok && result.plan ? { ok: true, plan: result.plan } : { ok: false, problems: result.problems };
}

/** The JSON object in an answer: all of it in format/tool mode, the outermost braces in text mode. */
function extractJson(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) return trimmed;
  const start = trimmed.indexOf('{');
  const end = trimmed.lastIndexOf('}');
  return start >= 0 && end > start ? trimmed.slice(start, end + 1) : undefined;
}

function repairTurns(answer: Answer, problems: Problem[], mode: OutputMode): MessageParam[] {
  const shown = problems.slice(0, MAX_PROBLEMS_SENT);
  const list = shown.map((p) => `- ${p.path || '$'}: ${p.message}`).join('\n');
  const more = problems.length > shown.length ? `\n- … and ${problems.length - shown.length} more of the same kinds` : '';
  const request = [
    `The plan is not valid yet: ${problems.length} problem${problems.length === 1 ? '' : 's'}, each with its JSON path in your answer:`,
    list + more,
    '',
    'Fix every problem and answer with the complete corrected plan (the whole plan, not a patch). Keep everything that is not part of a problem as it is.',
  ].join('\n');
  const tooLong = answer.text.length > MAX_ECHO_CHARS;
  if (answer.toolUse && !tooLong && mode === 'tool') {
    return [
      { role: 'assistant', content: [answer.toolUse] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: answer.toolUse.id, is_error: true, content: request }] },
    ];
  }
  const echoed = tooLong ? `${answer.text.slice(0, 2000)}… [${answer.text.length.toLocaleString('en-US')} characters in all, cut here]` : answer.text || '(an empty answer)';
  return [
    { role: 'assistant', content: echoed },
    { role: 'user', content: request },
  ];
}

function addUsage(total: TokenUsage, u: Message['usage']) {
  total.inputTokens += u.input_tokens ?? 0;
  total.outputTokens += u.output_tokens ?? 0;
  total.cacheReadTokens += u.cache_read_input_tokens ?? 0;
  total.cacheWriteTokens += u.cache_creation_input_tokens ?? 0;
}

function withProvenance(plan: Plan, p: { model: string; inputHash: string; usage: TokenUsage; repairs: number }, base?: Plan): Plan {
  const cost = estimateCost(p.model, p.usage);
  const { $schema, provenance: _old, ...rest } = plan;
  const schemaRef = $schema ?? base?.$schema;
  return {
    ...(schemaRef ? { $schema: schemaRef } : {}),
    ...rest,
    provenance: {
      generator: `create-arch-service ${packageVersion()} (architect agent)`,
      model: p.model,
      sdkVersion: `@anthropic-ai/sdk ${SDK_VERSION}`,
      inputHash: p.inputHash,
      usage: { ...p.usage },
      ...(cost !== undefined ? { estimatedCostUsd: cost } : {}),
      repairs: p.repairs,
    },
  } as Plan;
}

/** A mid-stream `error` event: the SDK raises an APIError without an HTTP status. */
function isMidStreamTransient(err: unknown): boolean {
  return err instanceof APIError && err.status === undefined && !(err instanceof APIConnectionError) && (err.type === 'overloaded_error' || err.type === 'api_error');
}

function apiMessage(err: APIError): string {
  return err.apiMessage ?? err.message;
}

/** A 400 that means "this output mode is not available here": which mode to try next. */
function fallbackFor(err: unknown, mode: OutputMode): { mode: OutputMode; note: string } | undefined {
  if (!(err instanceof APIError) || err.status !== 400) return undefined;
  const msg = apiMessage(err);
  const schemaTooComplex = /schema|grammar/i.test(msg) && /too (complex|large)|compiled grammar|optional parameters|union/i.test(msg);
  const noStructuredOutputs = /output_config|output_format|structured output|json_schema/i.test(msg) && /not supported|unsupported|does not support|not available/i.test(msg);
  const noStrictTools = /strict/i.test(msg) && /not supported|unsupported|does not support|not available/i.test(msg);
  if (mode === 'format' && noStructuredOutputs) return { mode: 'tool', note: 'this model has no structured outputs; using a strict tool instead' };
  if (mode !== 'text' && (schemaTooComplex || (mode === 'tool' && noStrictTools)))
    return { mode: 'text', note: terminalSafe(`the API cannot constrain output to the plan schema here (${msg.slice(0, 160)}); asking for plain JSON, validated after`) };
  return undefined;
}

function apiFailure(err: unknown, opts: DesignOptions): unknown {
  if (err instanceof CliError) return err;
  if (err instanceof APIConnectionError) return new AgentError(`cannot reach the Anthropic API (${opts.client.baseURL}): ${err.message}. Nothing was written.`, 'api');
  if (err instanceof APIError) {
    const status = err.status ?? 'stream';
    const hint =
      err.status === 401 ? ' Check ANTHROPIC_API_KEY.' : err.status === 404 ? ` Is "${opts.model}" a model id? Try --model sonnet.` : err.status === 529 || err.type === 'overloaded_error' ? ' The API is overloaded; try again in a few minutes.' : '';
    return new AgentError(terminalSafe(`the Anthropic API answered ${status}${err.type ? ` ${err.type}` : ''}: ${apiMessage(err)}.${hint} Nothing was written.`), 'api');
  }
  return err;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(signal.reason);
    }, { once: true });
  });
}
