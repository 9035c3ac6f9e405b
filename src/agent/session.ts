/**
 * What the `plan` command and the interactive flow share: the environment they run in
 * (streams, env, a client factory, all replaceable in tests) and one call that turns a
 * description, or a change to a plan, into a valid plan.
 */
import type Anthropic from '@anthropic-ai/sdk';
import { UsageError } from '../errors.js';
import type { Plan } from '../plan/schema.js';
import { createClient, designPlan, type DesignResult } from './architect.js';
import { resolveModel } from './models.js';
import { loadAgentFile, type AgentFile } from './persona.js';
import { StreamProgress } from './progress.js';

export interface AgentIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** Backoff base for our own mid-stream retries (tests use ~1 ms). */
  retryBaseMs?: number;
}

export function processIO(): AgentIO {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}

export interface AgentSettings {
  model?: string;
  maxRepairs?: number;
  /** Another agent file in the same format; the bundled backend-architect by default. */
  agentFile?: string;
}

export interface Architect {
  persona: AgentFile;
  model: string;
  client: Anthropic;
  design(description: string, base?: Plan): Promise<DesignResult>;
}

/** Checks the key first (exit 2, nothing done), then loads the persona and resolves the model. */
export async function openArchitect(settings: AgentSettings, io: AgentIO): Promise<Architect> {
  const client = createClient(io.env);
  if (settings.maxRepairs !== undefined && (!Number.isInteger(settings.maxRepairs) || settings.maxRepairs < 0 || settings.maxRepairs > 10))
    throw new UsageError('--max-repairs must be a whole number from 0 to 10');
  const persona = await loadAgentFile(settings.agentFile);
  const model = resolveModel(persona.model, settings.model);
  const progress = new StreamProgress(io.stderr);
  return {
    persona,
    model,
    client,
    design: (description, base) =>
      designPlan({ description, base, persona, model, client, maxRepairs: settings.maxRepairs, progress, retryBaseMs: io.retryBaseMs }),
  };
}

/** One line about what a run cost, for stderr. */
export function costLine(r: DesignResult): string {
  const u = r.usage;
  const cost = r.plan.provenance?.estimatedCostUsd;
  const cache = u.cacheReadTokens || u.cacheWriteTokens ? `, cache ${u.cacheWriteTokens.toLocaleString('en-US')} written / ${u.cacheReadTokens.toLocaleString('en-US')} read` : '';
  return `${r.model}: ${u.inputTokens.toLocaleString('en-US')} input + ${u.outputTokens.toLocaleString('en-US')} output tokens${cache}, ${r.requests} request${r.requests === 1 ? '' : 's'}, ${r.repairs} repair${r.repairs === 1 ? '' : 's'}${cost !== undefined ? `, about $${cost.toFixed(4)}` : ''}`;
}
