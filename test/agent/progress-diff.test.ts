import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffPlans, formatPlanDiff, isEmptyDiff } from '../../src/agent/plan-diff.js';
import { formatPlanSummary } from '../../src/agent/plan-summary.js';
import { ServiceScanner, StreamProgress } from '../../src/agent/progress.js';
import { toWire } from '../../src/agent/wire-schema.js';
import type { Plan } from '../../src/plan/schema.js';
import { Capture } from './helpers.js';

const shop = JSON.parse(readFileSync(path.join(import.meta.dirname, '../../examples/shop.json'), 'utf8')) as Plan;
const shopText = JSON.stringify(toWire(shop), null, 1);

describe('ServiceScanner', () => {
  it('finds the service names of a streamed plan, whatever the chunking', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 300 }), { maxLength: 200 }), (cuts) => {
        const scanner = new ServiceScanner();
        let at = 0;
        for (const n of cuts) {
          scanner.push(shopText.slice(at, at + n));
          at += n;
        }
        scanner.push(shopText.slice(at));
        expect(scanner.services).toEqual(['catalog', 'orders', 'payments', 'notifications']);
      }),
      { numRuns: 200 },
    );
  });

  it('ignores names elsewhere (models, fields, events) and escaped quotes', () => {
    const s = new ServiceScanner();
    s.push('{"name":"sys","services":[{"models":[{"name":"Order","fields":[{"name":"id"}]}],"name":"a\\"b"},{"name":"c"}],"events":[{"name":"e.x"}]}');
    expect(s.services).toEqual(['a"b', 'c']);
  });
});

describe('StreamProgress', () => {
  it('writes plain lines when stderr is not a terminal', () => {
    const out = new Capture();
    const p = new StreamProgress(out);
    p.request({ model: 'claude-sonnet-5-5', maxTokens: 16000, purpose: 'design', mode: 'format' });
    p.text(shopText);
    p.answered({ outputTokens: 9000, stopReason: 'end_turn' });
    expect(out.text).toBe(
      'designing the plan with claude-sonnet-5-5…\n  service 1: catalog\n  service 2: orders\n  service 3: payments\n  service 4: notifications\n  answer: 4 services, 9,000 output tokens\n',
    );
  });

  it('rewrites one status line on a terminal, with services so far and a token estimate', () => {
    const out = new Capture();
    out.isTTY = true;
    const p = new StreamProgress(out, 0);
    p.text(shopText.slice(0, shopText.indexOf('"orders"') + 9));
    expect(out.text).toContain('\r\x1b[K  2 services (catalog, orders) · ~');
  });
});

describe('plan diff and summary', () => {
  const grown = structuredClone(shop);
  grown.services.push({ name: 'search', description: 'Full-text search over the catalog.', operations: [{ id: 'search', method: 'get', path: '/search', summary: 'Search', response: { status: 200 } }] });
  grown.services[1]!.dependsOn!.pop();
  grown.services[0]!.operations.shift();
  grown.events!.pop();

  it('lists services, operations, events and calls added and removed', () => {
    const d = diffPlans(shop, grown);
    expect(d).toMatchObject({
      servicesAdded: ['search'],
      servicesRemoved: [],
      operationsAdded: ['search.search  GET /search'],
      eventsRemoved: ['order.cancelled'],
      callsRemoved: ['orders -> payments'],
      servicesChanged: ['catalog', 'orders'],
    });
    expect(d.operationsRemoved).toHaveLength(1);
    expect(formatPlanDiff(d)).toContain('Calls:\n  - orders -> payments');
  });

  it('sees no change when only explicit defaults differ', () => {
    const same = structuredClone(shop);
    for (const d of same.services[1]!.dependsOn!) delete d.critical;
    expect(isEmptyDiff(diffPlans(shop, same))).toBe(true);
    expect(formatPlanDiff(diffPlans(shop, same))).toBe('No change to services, operations, events or calls.\n');
  });

  it('summarises services with APIs, calls, events and data stores', () => {
    const text = formatPlanSummary(shop);
    expect(text.split('\n')[0]).toBe('Shop (shop): 4 services, 2 events · broker nats · auth jwt');
    expect(text).toContain('● orders (rest, /v1, owns postgres)');
    expect(text).toContain('calls      catalog (getProduct, reserveStock); payments (capturePayment)');
    expect(text).toContain('publishes  order.placed, order.cancelled');
    expect(text).toContain('order.placed: orders -> notifications');
  });
});
