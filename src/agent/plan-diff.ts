/**
 * What a refinement changed, at the level a reviewer cares about: services, operations,
 * events and synchronous calls added or removed, plus services whose definition changed.
 */
import type { Plan } from '../plan/schema.js';
import { terminalSafe } from './terminal-text.js';
import { fromWire, toWire } from './wire-schema.js';

export interface PlanDiff {
  servicesAdded: string[];
  servicesRemoved: string[];
  servicesChanged: string[];
  operationsAdded: string[];
  operationsRemoved: string[];
  eventsAdded: string[];
  eventsRemoved: string[];
  callsAdded: string[];
  callsRemoved: string[];
}

function operations(plan: Plan): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of plan.services) for (const o of s.operations) out.set(`${s.name}.${o.id}`, `${s.name}.${o.id}  ${o.method.toUpperCase()} ${s.api?.basePath ?? ''}${o.path}`);
  return out;
}

function calls(plan: Plan): Set<string> {
  return new Set(plan.services.flatMap((s) => (s.dependsOn ?? []).map((d) => `${s.name} -> ${d.service}`)));
}

function added<T>(before: Iterable<T>, after: Iterable<T>): T[] {
  const b = new Set(before);
  return [...after].filter((x) => !b.has(x));
}

/** Same meaning, same text: explicit defaults (critical: true, required: false, "") are dropped. */
function canonical(plan: Plan): Plan {
  return fromWire(toWire(plan)) as Plan;
}

export function diffPlans(beforePlan: Plan, afterPlan: Plan): PlanDiff {
  const before = canonical(beforePlan);
  const after = canonical(afterPlan);
  const sb = new Map(before.services.map((s) => [s.name, s]));
  const sa = new Map(after.services.map((s) => [s.name, s]));
  const ob = operations(before);
  const oa = operations(after);
  const eb = (before.events ?? []).map((e) => e.name);
  const ea = (after.events ?? []).map((e) => e.name);
  return {
    servicesAdded: added(sb.keys(), sa.keys()),
    servicesRemoved: added(sa.keys(), sb.keys()),
    servicesChanged: [...sa.keys()].filter((n) => sb.has(n) && JSON.stringify(sb.get(n)) !== JSON.stringify(sa.get(n))),
    operationsAdded: added(ob.keys(), oa.keys()).map((k) => oa.get(k)!),
    operationsRemoved: added(oa.keys(), ob.keys()).map((k) => ob.get(k)!),
    eventsAdded: added(eb, ea),
    eventsRemoved: added(ea, eb),
    callsAdded: added(calls(before), calls(after)),
    callsRemoved: added(calls(after), calls(before)),
  };
}

export function isEmptyDiff(d: PlanDiff): boolean {
  return Object.values(d).every((list) => list.length === 0);
}

export function formatPlanDiff(d: PlanDiff): string {
  if (isEmptyDiff(d)) return 'No change to services, operations, events or calls.\n';
  const lines: string[] = [];
  const section = (title: string, plus: string[], minus: string[]) => {
    if (!plus.length && !minus.length) return;
    lines.push(`${title}:`);
    for (const x of plus) lines.push(`  + ${x}`);
    for (const x of minus) lines.push(`  - ${x}`);
  };
  section('Services', d.servicesAdded, d.servicesRemoved);
  section('Operations', d.operationsAdded, d.operationsRemoved);
  section('Events', d.eventsAdded, d.eventsRemoved);
  section('Calls', d.callsAdded, d.callsRemoved);
  if (d.servicesChanged.length) lines.push(`Changed: ${d.servicesChanged.join(', ')}`);
  return terminalSafe(`${lines.join('\n')}\n`);
}
