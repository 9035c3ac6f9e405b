/**
 * The interactive generators behind `create-arch-service add` (node-plop): plop asks for
 * what the command line did not give, validates every answer, and runs the actions. The
 * actions edit the source of truth (arch.plan.json for a service, the service's
 * openapi.yaml for an operation) and then run sync, the only writer of generated code.
 * The bulk of generation does not go through plop (DESIGN.md §6: its per-file cost is too
 * high); these are the small, prompted edits plop is good at.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { NodePlopAPI } from 'node-plop';
import { validatePlan } from '../src/plan/validate.js';
import type { Plan } from '../src/plan/schema.js';
import { specPath } from '../src/render/pipeline.js';
import { AtomicWriter } from '../src/sync/atomic-fs.js';
import {
  addOperationToSpec,
  addServiceToPlan,
  checkMethod,
  checkOperationId,
  checkPath,
  checkServiceName,
  defaultOperationId,
  specRoute,
} from '../src/sync/edits.js';
import { syncRepo } from '../src/sync/repo.js';
import type { SyncReport } from '../src/sync/engine.js';

export const PLAN_FILE = 'arch.plan.json';

export interface PlopContext {
  /** The generated repo. */
  dir: string;
  /** Receives the sync report after the edit. */
  onSynced?: (report: SyncReport) => void;
  /** Receives the original error of a failed action (plop keeps only its message). */
  onError?: (err: unknown) => void;
}

function guarded(ctx: PlopContext, action: (answers: Record<string, unknown>) => Promise<string>) {
  return async (answers: Record<string, unknown>): Promise<string> => {
    try {
      return await action(answers);
    } catch (err) {
      ctx.onError?.(err);
      throw err;
    }
  };
}

async function readPlan(dir: string): Promise<{ text: string; plan: Plan }> {
  const file = path.join(dir, PLAN_FILE);
  const text = await readFile(file, 'utf8');
  return { text, plan: validatePlan(JSON.parse(text), PLAN_FILE) };
}

/**
 * Write the edited source file, then sync. Sync renders everything before it writes, so an
 * edit that does not render (an invalid spec, say) fails before any generated file is
 * touched; the source file is then put back as it was.
 */
async function editThenSync(ctx: PlopContext, rel: string, before: string | undefined, after: string, plan: Plan): Promise<SyncReport> {
  const writer = new AtomicWriter(path.resolve(ctx.dir));
  await writer.write(rel, after);
  try {
    const { report } = await syncRepo(ctx.dir, plan);
    ctx.onSynced?.(report);
    return report;
  } catch (err) {
    if (before === undefined) await writer.remove(rel);
    else await writer.write(rel, before);
    throw err;
  } finally {
    await writer.cleanTmp();
  }
}

function summarize(report: SyncReport): string {
  const touched = report.files.filter((f) => f.action !== 'keep' && f.action !== 'skip').length;
  return `synced: ${touched} file(s) changed${report.conflicts.length ? `, conflicts in ${report.conflicts.join(', ')}` : ''}`;
}

export default function plopfile(plop: NodePlopAPI, ctx: PlopContext): void {
  plop.setActionType(
    'arch-add-service',
    guarded(ctx, async (answers) => {
      const text = await readFile(path.join(ctx.dir, PLAN_FILE), 'utf8');
      const edited = addServiceToPlan(text, PLAN_FILE, String(answers.name), String(answers.description));
      const report = await editThenSync(ctx, PLAN_FILE, text, edited.text, edited.plan);
      return `added service ${String(answers.name)} to ${PLAN_FILE}; ${summarize(report)}`;
    }),
  );

  plop.setActionType(
    'arch-add-operation',
    guarded(ctx, async (answers) => {
      const { plan } = await readPlan(ctx.dir);
      const service = plan.services.find((s) => s.name === answers.service)!;
      const rel = specPath(service.name);
      const before = await readFile(path.join(ctx.dir, rel), 'utf8').catch(() => undefined);
      if (before === undefined) throw new Error(`${rel} is missing: run create-arch-service sync first`);
      const route = specRoute(service.api?.basePath, String(answers.path));
      const after = addOperationToSpec(before, rel, { method: String(answers.method), path: route, operationId: String(answers.operationId), summary: String(answers.summary) });
      const report = await editThenSync(ctx, rel, before, after, plan);
      return `added ${String(answers.method).toUpperCase()} ${route} (${String(answers.operationId)}) to ${rel}; ${summarize(report)}`;
    }),
  );

  plop.setGenerator('service', {
    description: 'add a service to arch.plan.json, then sync',
    prompts: [
      {
        type: 'input',
        name: 'name',
        message: 'Service name (kebab-case):',
        validate: async (v: string) => checkServiceName(v, (await readPlan(ctx.dir)).plan),
      },
      { type: 'input', name: 'description', message: 'What does it do?', default: (a: { name: string }) => `The ${a.name} service.` },
    ],
    actions: [{ type: 'arch-add-service' }],
  });

  plop.setGenerator('operation', {
    description: "add an operation to a service's openapi.yaml, then sync",
    prompts: [
      {
        type: 'input',
        name: 'service',
        message: 'Service:',
        validate: async (v: string) => {
          const { plan } = await readPlan(ctx.dir);
          return plan.services.some((s) => s.name === v) || `no service "${v}"; the plan has: ${plan.services.map((s) => s.name).join(', ')}`;
        },
      },
      { type: 'list', name: 'method', message: 'HTTP method:', choices: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], filter: (v: string) => v.toUpperCase(), validate: checkMethod },
      { type: 'input', name: 'path', message: 'Path (e.g. /orders/{orderId}):', validate: checkPath },
      {
        type: 'input',
        name: 'operationId',
        message: 'operationId:',
        default: (a: { method: string; path: string }) => defaultOperationId(a.method, a.path),
        validate: checkOperationId,
      },
      { type: 'input', name: 'summary', message: 'Summary:', default: (a: { method: string; path: string }) => `${a.method.toUpperCase()} ${a.path}` },
    ],
    actions: [{ type: 'arch-add-operation' }],
  });
}
