/** Shared by the agent tests: fixtures, captured IO, temporary folders. */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import type { AgentIO } from '../../src/agent/session.js';

export const FIXTURES = path.join(import.meta.dirname, '../fixtures/agent');

export function fixture(name: string): string {
  return readFileSync(path.join(FIXTURES, name), 'utf8');
}

export function answer(name: string): Record<string, any> {
  return JSON.parse(fixture(`${name}.answer.json`));
}

export class Capture extends Writable {
  text = '';
  isTTY = false;
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

export interface TestIO extends AgentIO {
  stdout: Capture;
  stderr: Capture;
  stdin: PassThrough & { isTTY?: boolean };
}

export function testIO(env: Record<string, string | undefined>): TestIO {
  const stdin = new PassThrough() as PassThrough & { isTTY?: boolean };
  return { stdout: new Capture(), stderr: new Capture(), stdin, env: { ...env }, retryBaseMs: 1 };
}

export function tempDir(): { dir: string; files: () => string[]; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cas-agent-'));
  return {
    dir,
    files: () => readdirSync(dir, { recursive: true }).map(String).sort(),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The text of every user turn of a recorded request, joined. */
export function userText(body: Record<string, any>): string {
  return (body.messages as Array<{ role: string; content: unknown }>)
    .filter((m) => m.role === 'user')
    .map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content)))
    .join('\n');
}
