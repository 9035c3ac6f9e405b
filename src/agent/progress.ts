/**
 * Progress while the model writes: which services the plan has so far and how many tokens
 * came out. The answer streams as JSON text; a small incremental scanner follows it
 * character by character (no re-parsing of the growing prefix) and reports each
 * `$.services[i].name` as soon as its string closes.
 */
import type { Problem } from '../errors.js';
import type { TokenUsage } from './models.js';
import { terminalSafe } from './terminal-text.js';

export interface ProgressSink {
  /** A request is about to go out. */
  request(info: { model: string; maxTokens: number; purpose: 'design' | 'refine' | 'repair' | 'bigger budget' | 'retry'; mode: string }): void;
  /** A piece of the answer arrived. */
  text(delta: string): void;
  /** The answer is complete (one request). */
  answered(info: { outputTokens: number; stopReason: string | null }): void;
  /** Waiting before a retry of our own (mid-stream overload). */
  retry(reason: string, delayMs: number): void;
  /** The answer failed validation; a repair round follows. */
  repair(round: number, max: number, problems: Problem[]): void;
  /** A note worth showing (fallback to another output mode, ...). */
  note(message: string): void;
}

const JSON_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' };

/** Tracks where in the JSON document the stream is, to spot service names. */
export class ServiceScanner {
  readonly services: string[] = [];
  chars = 0;
  private stack: { kind: 'obj' | 'arr'; key?: string; lastKey?: string; expectKey: boolean }[] = [];
  private inString = false;
  private escape = false;
  private hex: string | undefined;
  private isKey = false;
  private buf = '';

  /** Feeds a chunk; returns the service names completed in it. */
  push(chunk: string): string[] {
    const found: string[] = [];
    this.chars += chunk.length;
    for (const ch of chunk) {
      if (this.inString) {
        if (this.hex !== undefined) {
          // \uXXXX: collect four hex digits, then decode.
          this.hex += ch;
          if (this.hex.length === 4) {
            this.add(String.fromCharCode(parseInt(this.hex, 16) || 0xfffd));
            this.hex = undefined;
          }
        } else if (this.escape) {
          this.escape = false;
          if (ch === 'u') this.hex = '';
          else this.add(JSON_ESCAPES[ch] ?? ch);
        } else if (ch === '\\') this.escape = true;
        else if (ch === '"') {
          this.inString = false;
          const top = this.stack.at(-1);
          if (this.isKey && top) top.lastKey = this.buf;
          else if (this.isServiceName()) {
            this.services.push(this.buf);
            found.push(this.buf);
          }
        } else this.add(ch);
        continue;
      }
      const top = this.stack.at(-1);
      switch (ch) {
        case '{':
          this.stack.push({ kind: 'obj', key: top?.kind === 'obj' ? top.lastKey : undefined, expectKey: true });
          break;
        case '[':
          this.stack.push({ kind: 'arr', key: top?.kind === 'obj' ? top.lastKey : undefined, expectKey: false });
          break;
        case '}':
        case ']':
          this.stack.pop();
          break;
        case '"':
          this.inString = true;
          this.buf = '';
          this.isKey = top?.kind === 'obj' && top.expectKey;
          break;
        case ':':
          if (top) top.expectKey = false;
          break;
        case ',':
          if (top?.kind === 'obj') top.expectKey = true;
          break;
        default:
          break;
      }
    }
    return found;
  }

  private add(text: string) {
    if (this.buf.length < 256) this.buf += text;
  }

  /** root object > "services" array > service object > "name" value. */
  private isServiceName(): boolean {
    const [root, arr, obj] = this.stack;
    return this.stack.length === 3 && root!.kind === 'obj' && arr!.kind === 'arr' && arr!.key === 'services' && obj!.kind === 'obj' && obj!.lastKey === 'name';
  }

  reset() {
    this.services.length = 0;
    this.chars = 0;
    this.stack = [];
    this.inString = false;
    this.escape = false;
    this.hex = undefined;
    this.buf = '';
  }
}

/** Rough output-token count while streaming (about four characters per token for JSON). */
export function approxTokens(chars: number): number {
  return Math.round(chars / 4);
}

const fmt = (n: number) => n.toLocaleString('en-US');

/**
 * Writes progress to a stream (stderr): one rewritten status line on a terminal, plain
 * lines otherwise so logs and CI output stay readable.
 */
export class StreamProgress implements ProgressSink {
  private scanner = new ServiceScanner();
  private lastDraw = 0;
  private live = false;

  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean },
    private readonly throttleMs = 80,
  ) {}

  private get tty(): boolean {
    return this.out.isTTY === true;
  }

  request(info: { model: string; maxTokens: number; purpose: 'design' | 'refine' | 'repair' | 'bigger budget' | 'retry'; mode: string }): void {
    this.scanner.reset();
    const why = {
      design: 'designing the plan',
      refine: 'refining the plan',
      repair: 'asking for a corrected plan',
      'bigger budget': `the answer was cut off; asking again with ${fmt(info.maxTokens)} output tokens`,
      retry: 'retrying',
    }[info.purpose];
    this.line(`${why} with ${info.model}…`);
  }

  text(delta: string): void {
    const found = this.scanner.push(delta);
    if (!this.tty) {
      for (const name of found) this.out.write(`  service ${this.scanner.services.indexOf(name) + 1}: ${terminalSafe(name)}\n`);
      return;
    }
    const now = Date.now();
    if (found.length === 0 && now - this.lastDraw < this.throttleMs) return;
    this.lastDraw = now;
    const names = this.scanner.services;
    const list = names.length ? `${names.length} service${names.length === 1 ? '' : 's'} (${names.length > 4 ? '…, ' : ''}${terminalSafe(names.slice(-4).join(', '))})` : 'no service yet';
    this.out.write(`\r\x1b[K  ${list} · ~${fmt(approxTokens(this.scanner.chars))} tokens`);
    this.live = true;
  }

  answered(info: { outputTokens: number; stopReason: string | null }): void {
    const n = this.scanner.services.length;
    this.line(`  answer: ${n} service${n === 1 ? '' : 's'}, ${fmt(info.outputTokens)} output tokens${info.stopReason && info.stopReason !== 'end_turn' && info.stopReason !== 'tool_use' ? ` (stopped: ${info.stopReason})` : ''}`);
  }

  retry(reason: string, delayMs: number): void {
    this.line(`${reason}; retrying in ${(delayMs / 1000).toFixed(1)} s`);
  }

  repair(round: number, max: number, problems: Problem[]): void {
    this.line(`the plan has ${problems.length} problem${problems.length === 1 ? '' : 's'}; repair round ${round} of ${max}:`);
    for (const p of problems.slice(0, 5)) this.line(`  - ${terminalSafe(`${p.path ? `${p.path}: ` : ''}${p.message}`)}`);
    if (problems.length > 5) this.line(`  … and ${problems.length - 5} more`);
  }

  note(message: string): void {
    this.line(message);
  }

  private line(text: string) {
    if (this.live) this.out.write('\r\x1b[K');
    this.live = false;
    this.out.write(`${text}\n`);
  }
}

/** For callers that want no output (tests, the eval script). */
export const silentProgress: ProgressSink = {
  request() {},
  text() {},
  answered() {},
  retry() {},
  repair() {},
  note() {},
};

export type { TokenUsage };
