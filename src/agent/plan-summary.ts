/**
 * A plan for people, in a terminal: services with their APIs, calls, events and data
 * stores. Shown before the user accepts a plan, and after each refinement.
 */
import type { Plan } from '../plan/schema.js';
import { terminalSafe } from './terminal-text.js';

export function formatPlanSummary(plan: Plan): string {
  const events = plan.events ?? [];
  const head = [
    `${plan.title ? `${plan.title} (${plan.name})` : plan.name}: ${count(plan.services.length, 'service')}, ${count(events.length, 'event')}`,
    plan.broker ? `broker ${plan.broker.kind}` : undefined,
    `auth ${plan.auth?.kind ?? 'none'}`,
  ]
    .filter(Boolean)
    .join(' · ');
  const lines = [head, ...wrap(plan.summary, 96, '  '), ''];
  for (const s of plan.services) {
    const facts = [s.api?.style ?? 'rest', s.api?.basePath, s.datastore ? `owns ${s.datastore.kind}${s.datastore.name ? ` "${s.datastore.name}"` : ''}` : 'no data store'].filter(Boolean);
    lines.push(`● ${s.name} (${facts.join(', ')})`);
    lines.push(...wrap(s.description, 92, '    '));
    for (const o of s.operations) lines.push(`    ${o.method.toUpperCase().padEnd(6)} ${`${s.api?.basePath ?? ''}${o.path}`.padEnd(34)} ${o.id}${o.response.paginated ? ' (paginated)' : ''}`);
    if (s.operations.length === 0) lines.push('    (no operations)');
    if (s.dependsOn?.length) lines.push(`    calls      ${s.dependsOn.map((d) => (d.operations?.length ? `${d.service} (${d.operations.join(', ')})` : d.service)).join('; ')}`);
    if (s.publishes?.length) lines.push(`    publishes  ${s.publishes.join(', ')}`);
    if (s.consumes?.length) lines.push(`    consumes   ${s.consumes.join(', ')}`);
  }
  if (events.length) {
    lines.push('', 'Events:');
    for (const e of events) lines.push(`  ${e.name}: ${e.producer} -> ${e.consumers.length ? e.consumers.join(', ') : '(no consumer yet)'}`);
  }
  if (plan.decisions?.length) {
    lines.push('', 'Decisions:');
    for (const d of plan.decisions) lines.push(`  ${d.id} ${d.title} (${d.status})`);
  }
  if (plan.followUps?.length) {
    lines.push('', 'Follow-up:');
    for (const f of plan.followUps) lines.push(...wrap(f, 92, '  - ', '    '));
  }
  return terminalSafe(`${lines.join('\n')}\n`);
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

/** Greedy word wrap; terminals are narrow, plan text is not. */
function wrap(text: string, width: number, first: string, rest = first): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out.map((l, i) => (i === 0 ? first : rest) + l);
}
