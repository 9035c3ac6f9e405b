import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { docsGenerator } from '../../generators/docs/index.js';
import { mdBlock, mdCell, mdInline, slug } from '../../generators/docs/markdown.js';
import { mermaidLabel } from '../../generators/docs/mermaid.js';
import type { ApiOperation, ServiceApi } from '../../src/openapi/model.js';
import { normalizePlan } from '../../src/plan/normalize.js';
import type { Plan } from '../../src/plan/schema.js';
import { validatePlan } from '../../src/plan/validate.js';
import { formatFile } from '../../src/render/format.js';
import { renderSystem } from '../../src/render/pipeline.js';
import { renderTemplate } from '../../src/render/templates.js';

const root = path.resolve(import.meta.dirname, '../..');
const example = (name: string): Plan => validatePlan(JSON.parse(readFileSync(path.join(root, 'examples', `${name}.json`), 'utf8')));

/** Renders the generator's files the way renderTree does (template + formatFile). */
async function render(plan: Plan, apis: ReadonlyMap<string, ServiceApi> = new Map()): Promise<Map<string, string>> {
  const files = await docsGenerator.files({ plan: normalizePlan(plan), apis, specTexts: new Map(), version: '0.0.0-test' });
  return new Map(files.map((f) => [f.path, formatFile(f.path, f.content ?? renderTemplate('docs', f.template!, f.data))]));
}

const HOSTILE = 'a | b `code` <script>alert(1)</script> "] end\n```\n# injected heading\n---\n    indented';

/** shop with hostile text in every free-text field the docs print. */
function hostilePlan(): Plan {
  const p = structuredClone(example('shop'));
  p.title = `Shop ${HOSTILE}`;
  p.summary = `Summary ${HOSTILE}`;
  p.boundedContexts![0]!.name = 'Cat"]alog\n|x';
  p.services[0]!.boundedContext = 'Cat"]alog\n|x';
  p.boundedContexts![1]!.description = `Ordering ${HOSTILE}`;
  p.services[0]!.description = `Catalog ${HOSTILE}`;
  p.services[0]!.responsibilities = [`Resp ${HOSTILE}`];
  p.services[0]!.api!.rationale = `Rationale ${HOSTILE}`;
  p.services[0]!.operations[0]!.summary = `List | products <b>`;
  p.services[0]!.operations[0]!.description = `Desc ${HOSTILE}`;
  p.services[0]!.models![0]!.description = `Model ${HOSTILE}`;
  p.services[0]!.models![0]!.fields[0]!.description = `Field ${HOSTILE}`;
  p.services[1]!.dependsOn![0]!.reason = `Reason ${HOSTILE}`;
  p.events![0]!.description = `Event ${HOSTILE}`;
  p.broker!.rationale = `Broker ${HOSTILE}`;
  p.apiDesign = `API ${HOSTILE}`;
  p.resilienceNotes = `Resilience ${HOSTILE}`;
  p.observability!.notes = `Obs ${HOSTILE}`;
  p.decisions![0]!.title = 'Split | by "context" <script>';
  p.decisions![0]!.context = `Context ${HOSTILE}`;
  p.recommendations = [`Rec ${HOSTILE}`];
  p.followUps = [`Follow ${HOSTILE}`];
  return validatePlan(p);
}

/** Cells of a GFM table row: split on pipes that are not escaped. */
function cells(row: string): string[] {
  return row.trim().replace(/^\|/, '').replace(/(?<!\\)\|$/, '').split(/(?<!\\)\|/);
}

function tables(doc: string): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  for (const line of doc.split('\n')) {
    if (line.startsWith('|')) cur.push(line);
    else if (cur.length) (out.push(cur), (cur = []));
  }
  if (cur.length) out.push(cur);
  return out;
}

function mermaidBlock(doc: string): string[] {
  const m = /```mermaid\n([\s\S]*?)\n```/.exec(doc);
  if (!m) throw new Error('no mermaid block');
  return m[1]!.split('\n');
}

const SECTION_HEADINGS = [
  '## Summary', '## Bounded contexts', '## System diagram', '## Service boundaries', '## API design', '## Communication',
  '### Synchronous calls', '### Events', '## Resilience', '## Observability', '## Authentication and authorization',
  '## Decisions', '## Recommendations', '## Follow-ups', '## Provenance of the plan',
];

describe('markdown and mermaid escaping', () => {
  it.each([
    ['a | b', 'a \\| b'],
    ['<script>x</script>', '&lt;script&gt;x&lt;/script&gt;'],
    ['two\nlines', 'two lines'],
    ['# not a heading', '\\# not a heading'],
    ['', ' '],
  ])('mdCell(%j) = %j', (given, want) => expect(mdCell(given)).toBe(want));

  it.each([
    ['```\nfence', '\\```\nfence'],
    ['para\n# heading', 'para\n\\# heading'],
    ['- item\n- item 2', '- item\n- item 2'],
    ['x\n---', 'x\n\\---'],
    ['    code', 'code'],
    ['<img src=x onerror=alert(1)>', '&lt;img src=x onerror=alert(1)&gt;'],
  ])('mdBlock(%j) = %j', (given, want) => expect(mdBlock(given)).toBe(want));

  it.each([
    ['Or"]ders', 'Or#34;#93;ders'],
    ['a\nb', 'a b'],
    ['x|y', 'x#124;y'],
    ['<b>#1;', '#60;b#62;#35;1#59;'],
    ['%%{init: {}}%%', '#37;#37;#123;init: #123;#125;#125;#37;#37;'],
  ])('mermaidLabel(%j) = %j', (given, want) => expect(mermaidLabel(given)).toBe(want));

  it.each([
    ['Split by bounded context', 'split-by-bounded-context'],
    ['Use "JWT" | OAuth2 <script>', 'use-jwt-oauth2-script'],
    ['Ünïcödé', 'unicode'],
    ['!!!', 'decision'],
    ['a'.repeat(30) + ' ' + 'b'.repeat(30), 'a'.repeat(30)],
  ])('slug(%j) = %j', (given, want) => expect(slug(given)).toBe(want));

  it('mdInline keeps inline code and emphasis but not block starts', () => {
    expect(mdInline('use `npm ci` **always**')).toBe('use `npm ci` **always**');
    expect(mdInline('> quoted')).toBe('&gt; quoted'); // an entity at line start is not a quote marker
  });
});

describe('docs generator', () => {
  it('renders ARCHITECTURE.md and one ADR per decision, and every ADR link resolves', async () => {
    const files = await render(example('shop'));
    const plan = example('shop');
    expect([...files.keys()]).toEqual(['docs/ARCHITECTURE.md', ...plan.decisions!.map((d) => `docs/adr/${d.id}-${slug(d.title)}.md`)]);
    const doc = files.get('docs/ARCHITECTURE.md')!;
    const links = [...doc.matchAll(/\]\((adr\/[^)]+)\)/g)].map((m) => `docs/${m[1]}`);
    expect(links).toHaveLength(plan.decisions!.length);
    for (const l of links) expect(files.has(l), l).toBe(true);
    const adr = files.get(links[0]!)!;
    expect(adr).toContain('# ADR-001: Split by bounded context');
    for (const k of ['## Context', '## Decision', '## Consequences', '**Status:** accepted']) expect(adr).toContain(k);
  });

  it('carries everything the shop plan says', async () => {
    const plan = example('shop');
    const doc = (await render(plan)).get('docs/ARCHITECTURE.md')!;
    const texts: string[] = [
      plan.summary,
      plan.apiDesign!,
      plan.resilienceNotes!,
      plan.observability!.notes!,
      plan.broker!.rationale!,
      ...plan.boundedContexts!.flatMap((c) => [c.name, c.description]),
      ...plan.recommendations!,
      ...plan.followUps!,
      ...plan.decisions!.flatMap((d) => [d.id, d.title, d.status]),
      ...plan.events!.flatMap((e) => [e.name, e.description, e.delivery!, ...e.payload.map((f) => f.name)]),
      ...plan.services.flatMap((s) => [
        `### ${s.name}`,
        s.description,
        ...(s.responsibilities ?? []),
        ...(s.api?.rationale ? [s.api.rationale] : []),
        ...s.operations.flatMap((o) => [o.id, o.summary, `${s.api?.basePath ?? ''}${o.path}`, ...(o.scopes ?? [])]),
        ...(s.models ?? []).flatMap((m) => [m.name, ...m.fields.map((f) => `${f.name}: ${f.type}`)]),
        ...(s.dependsOn ?? []).flatMap((d) => [d.reason ?? '', ...(d.operations ?? [])]),
        ...(s.publishes ?? []),
        ...(s.consumes ?? []),
      ]),
      plan.auth!.issuer!,
      plan.auth!.audience!,
    ];
    for (const t of texts) expect(doc, t).toContain(t);
    // per-service resilience and scaling numbers
    const n = normalizePlan(plan);
    for (const s of n.services) {
      expect(doc).toContain(`| ${s.name} | ${s.resilience.timeoutMs} ms |`);
      expect(doc).toContain(`autoscaled ${s.scaling.minReplicas}–${s.scaling.maxReplicas}`);
    }
  });

  it('draws services, stores, the broker, calls (solid) and events (dashed, labelled) in Mermaid', async () => {
    const lines = mermaidBlock((await render(example('shop'))).get('docs/ARCHITECTURE.md')!);
    expect(lines[0]).toBe('flowchart LR');
    expect(lines).toContain('  svc_orders -->|"HTTP"| svc_catalog');
    expect(lines).toContain('  svc_orders -->|"HTTP"| svc_payments');
    expect(lines).toContain('  svc_orders -.->|"order.placed"| broker');
    expect(lines).toContain('  broker -.->|"order.placed"| svc_notifications');
    expect(lines).toContain('  svc_orders --- db_orders');
    expect(lines.some((l) => /^\s+db_orders\[\("orders-db #40;postgres#41;"\)\]$/.test(l))).toBe(true);
    expect(lines).toContain('  broker{{"broker #40;nats#41;"}}');
  });

  it('minimal: no infrastructure, no events, still every section', async () => {
    const doc = (await render(example('minimal'))).get('docs/ARCHITECTURE.md')!;
    for (const h of SECTION_HEADINGS.filter((h) => !h.includes('Provenance'))) expect(doc).toContain(`\n${h}\n`);
    expect(doc).toContain('No broker: the system publishes no events.');
    expect(doc).toContain('No authentication: every operation is public.');
    expect(mermaidBlock(doc)).toEqual(['flowchart LR', '  svc_notes["notes"]']);
  });

  it('hostile plan text cannot inject HTML, break tables, open fences, add headings or break Mermaid', async () => {
    const files = await render(hostilePlan());
    const doc = files.get('docs/ARCHITECTURE.md')!;
    for (const [p, text] of files) {
      expect(text, p).not.toMatch(/<script|<b>|<img/i);
      // the only fences are the mermaid block's
      expect(text.split('\n').filter((l) => l.startsWith('```')), p).toEqual(p.endsWith('ARCHITECTURE.md') ? ['```mermaid', '```'] : []);
    }
    expect(doc).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');

    for (const table of tables(doc)) {
      const width = cells(table[0]!).length;
      for (const row of table) expect(cells(row), row).toHaveLength(width);
    }

    const headings = doc.split('\n').filter((l) => /^#{1,6}\s/.test(l));
    const services = example('shop').services.map((s) => `### ${s.name}`);
    for (const h of headings.slice(1)) expect([...SECTION_HEADINGS, ...services], h).toContain(h);
    expect(headings[0]!.startsWith('# Shop a \\| b') || headings[0]!.startsWith('# Shop a | b')).toBe(true);

    const structural = [
      /^flowchart LR$/,
      /^\s+subgraph ctx_\d+\["[^"\n]*"\]$/,
      /^\s+end$/,
      /^\s+svc_[a-z0-9_]+\["[^"]*"\]$/,
      /^\s+db_[a-z0-9_]+\[\("[^"]*"\)\]$/,
      /^\s+broker\{\{"[^"]*"\}\}$/,
      /^\s+[a-z0-9_]+ (---|-->\|"HTTP"\||-\.->\|"[^"]*"\|) [a-z0-9_]+$/,
    ];
    for (const line of mermaidBlock(doc)) expect(structural.some((re) => re.test(line)), line).toBe(true);
    expect(mermaidBlock(doc)).toContain('  subgraph ctx_1["Cat#34;#93;alog #124;x"]');

    const adr = [...files.entries()].find(([p]) => p.startsWith('docs/adr/ADR-001'))!;
    expect(adr[0]).toBe('docs/adr/ADR-001-split-by-context-script.md');
    expect(adr[1]).toContain('# ADR-001: Split | by "context" &lt;script&gt;');
  });

  it('follows the service API read from openapi.yaml when there is one', async () => {
    const plan = example('minimal');
    const op = (over: Partial<ApiOperation>): ApiOperation => ({
      handlerName: 'x', method: 'get', path: '/v1/x', url: '/v1/x', pathParams: [], group: 'x', tags: [], deprecated: false, successStatus: 200,
      security: null, schema: {}, bodyContentTypes: [], bodyRequired: false, idempotent: true, ...over,
    });
    const api: ServiceApi = {
      title: 'notes', version: '1.0.0', openapi: '3.1.0', components: {}, document: {}, warnings: [],
      operations: [
        op({ handlerName: 'listNotes', operationId: 'listNotes', path: '/v1/notes', url: '/v1/notes', summary: 'List notes, newest first' }),
        op({ handlerName: 'archiveNote', operationId: 'archiveNote', method: 'post', path: '/v1/notes/{noteId}/archive', url: '/v1/notes/:noteId/archive', pathParams: [{ name: 'noteId', routeName: 'noteId' }], summary: 'Archive | a note', successStatus: 202, security: { schemes: ['bearer'], bearer: true, scopes: ['notes:write'] }, idempotent: false }),
      ],
    };
    const doc = (await render(plan, new Map([['notes', api]]))).get('docs/ARCHITECTURE.md')!;
    expect(doc).toContain('| POST | `/v1/notes/{noteId}/archive` | `archiveNote` | Archive \\| a note | — | 202 | — | JWT, scopes `notes:write` |');
    expect(doc).toContain('| GET | `/v1/notes` | `listNotes` | List notes, newest first | query tag: string | 200 page of Note |');
    // operations the spec no longer has are not documented
    expect(doc).not.toContain('`deleteNote`');
  });

  it('in the full pipeline (APIs read from the generated openapi.yaml) the operations keep their plan details', async () => {
    const { tree } = await renderSystem(example('shop'));
    const fromPipeline = tree.get('docs/ARCHITECTURE.md')!.content;
    const fromPlan = (await render(example('shop'))).get('docs/ARCHITECTURE.md')!;
    expect(fromPipeline).not.toContain('/v1/v1/');
    // same lines; operations follow the spec's order (grouped by path) rather than the plan's
    const sorted = (t: string) => t.split('\n').sort();
    expect(sorted(fromPipeline)).toEqual(sorted(fromPlan));
  });

  it('shows explicit operation tags (they pick the handler file) but not the default one', async () => {
    const plan = structuredClone(example('minimal'));
    plan.services[0]!.operations[0]!.tags = ['search'];
    const doc = (await render(validatePlan(plan))).get('docs/ARCHITECTURE.md')!;
    expect(doc).toContain('| `listNotes`<br>tags: search |');
    expect(doc).toContain('| `createNote` |');
  });

  it('prints the plan provenance when the agent wrote the plan', async () => {
    const plan = structuredClone(example('minimal'));
    plan.provenance = { generator: 'create-arch-service 0.1.0', model: 'claude-sonnet-5-5', usage: { inputTokens: 1200, outputTokens: 3400 }, estimatedCostUsd: 0.0364, repairs: 1 };
    const doc = (await render(validatePlan(plan))).get('docs/ARCHITECTURE.md')!;
    expect(doc).toContain('## Provenance of the plan');
    expect(doc).toContain('with model `claude-sonnet-5-5`');
    expect(doc).toContain('1200 input and 3400 output tokens');
    expect(doc).toContain('$0.0364');
  });

  it('renders the same bytes for the same plan', async () => {
    const a = await render(hostilePlan());
    const b = await render(hostilePlan());
    expect([...a.entries()]).toEqual([...b.entries()]);
  });
});
