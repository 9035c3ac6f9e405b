/**
 * The system diagram as a Mermaid flowchart: services grouped by bounded context, their
 * data stores, the broker, synchronous calls as solid arrows and events as dashed, labelled
 * arrows through the broker.
 *
 * Node ids are derived (`svc_orders`), never plan text, so a service called `end` or
 * `graph` cannot break the syntax. Every label is quoted and every character that means
 * something to Mermaid or HTML is written as a Mermaid entity code (`#34;`), per the
 * Mermaid flowchart docs ("Entity codes to escape characters").
 */
import type { NormalizedPlan } from '../../src/plan/normalize.js';

/** A label safe inside `"..."`: one line, entity codes for quotes, brackets, pipes, HTML and comment characters. */
export function mermaidLabel(text: string): string {
  return String(text)
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[#"'`<>&[\](){}|;%\\]/g, (c) => `#${c.charCodeAt(0)};`);
}

function id(prefix: string, snake: string): string {
  return `${prefix}_${snake.replace(/[^a-z0-9_]/g, '_')}`;
}

export function mermaidDiagram(plan: NormalizedPlan): string {
  const lines: string[] = ['flowchart LR'];
  const svc = (name: string) => id('svc', name.replace(/-/g, '_'));
  const node = (s: NormalizedPlan['services'][number]) => `${svc(s.name)}["${mermaidLabel(s.name)}"]`;
  const ds = (s: NormalizedPlan['services'][number]) =>
    s.datastore ? `${id('db', s.names.snake)}[("${mermaidLabel(`${s.datastore.host} (${s.datastore.kind})`)}")]` : undefined;

  // Services (and their stores) inside a subgraph per bounded context; the rest at top level.
  const grouped = new Set<string>();
  plan.boundedContexts.forEach((ctx, i) => {
    const members = plan.services.filter((s) => ctx.services.includes(s.name));
    if (!members.length) return;
    lines.push(`  subgraph ctx_${i + 1}["${mermaidLabel(ctx.name)}"]`);
    for (const s of members) {
      grouped.add(s.name);
      lines.push(`    ${node(s)}`);
      const d = ds(s);
      if (d) lines.push(`    ${d}`);
    }
    lines.push('  end');
  });
  for (const s of plan.services) {
    if (grouped.has(s.name)) continue;
    lines.push(`  ${node(s)}`);
    const d = ds(s);
    if (d) lines.push(`  ${d}`);
  }
  if (plan.broker) lines.push(`  broker{{"${mermaidLabel(`broker (${plan.broker.kind})`)}"}}`);

  for (const s of plan.services) if (s.datastore) lines.push(`  ${svc(s.name)} --- ${id('db', s.names.snake)}`);
  for (const s of plan.services) for (const d of s.dependencies) lines.push(`  ${svc(s.name)} -->|"HTTP"| ${svc(d.service)}`);
  for (const e of plan.events) {
    const label = `"${mermaidLabel(e.name)}"`;
    if (plan.broker) {
      lines.push(`  ${svc(e.producer)} -.->|${label}| broker`);
      for (const c of e.consumers) lines.push(`  broker -.->|${label}| ${svc(c)}`);
    } else {
      for (const c of e.consumers) lines.push(`  ${svc(e.producer)} -.->|${label}| ${svc(c)}`);
    }
  }
  return lines.join('\n');
}
