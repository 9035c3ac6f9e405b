/**
 * Plan edits flow through sync (issue 5): a new dependency creates its client, a broker
 * change updates compose, and docker-compose.yml keeps the user's additions and comments.
 * On examples/shop.json.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { syncCommand } from '../../src/cli/commands/sync.js';
import type { Plan } from '../../src/plan/schema.js';
import { exists, read, removeDir, tempDir, write } from './helpers.js';

let dir: string;
const quiet = () => undefined;
beforeEach(async () => {
  dir = await tempDir();
  await copyFile(path.resolve('examples/shop.json'), path.join(dir, 'arch.plan.json'));
  expect(await syncCommand([dir], quiet)).toBe(0);
}, 120_000);
afterEach(async () => removeDir(dir));

async function editPlan(edit: (p: Plan) => void): Promise<void> {
  const p = JSON.parse(await read(dir, 'arch.plan.json')) as Plan;
  edit(p);
  await write(dir, 'arch.plan.json', `${JSON.stringify(p, null, 2)}\n`);
}

it('a broker change updates compose; the user\'s services, keys and comments stay', async () => {
  const compose = await read(dir, 'docker-compose.yml');
  const mine = compose
    .replace('  orders:\n', '  orders:\n    # scaled by ops, see runbook\n')
    .replace(/\nservices:\n/, '\nservices:\n  adminer: # my database browser\n    image: adminer:4\n    ports:\n      - "127.0.0.1:8080:8080"\n');
  await write(dir, 'docker-compose.yml', mine);
  await editPlan((p) => {
    p.broker = { kind: 'rabbitmq' };
  });
  let out = '';
  expect(await syncCommand([dir], (t) => (out += t))).toBe(0);
  expect(out).toMatch(/merge\s+docker-compose\.yml/);
  const next = await read(dir, 'docker-compose.yml');
  const doc = parse(next) as { services: Record<string, { image?: string; environment?: Record<string, string> }> };
  expect(doc.services.adminer!.image).toBe('adminer:4');
  expect(JSON.stringify(doc.services)).toContain('rabbitmq');
  expect(next).not.toContain('nats://');
  expect(next).toContain('# my database browser');
  expect(next).toContain('# scaled by ops, see runbook');
  expect(next.startsWith('# docker compose for Shop')).toBe(true);
  // Untouched parts keep their layout: flow lists and quoting as generated.
  expect(next).toContain('test: [CMD, pg_isready,');
  expect(next).toMatch(/BROKER_URL: "amqp:\/\//);
  expect(await syncCommand([dir, '--check'], quiet)).toBe(0);
});

it('a new dependency creates its client; nothing else in the other services moves', async () => {
  await editPlan((p) => {
    const notifications = p.services.find((s) => s.name === 'notifications')!;
    notifications.dependsOn = [{ service: 'catalog', reason: 'product names in e-mails' }];
  });
  let json = '';
  expect(await syncCommand([dir, '--json'], (t) => (json += t))).toBe(0);
  const report = JSON.parse(json) as { files: { path: string; action: string }[] };
  const touched = report.files.filter((f) => f.action !== 'keep').map((f) => f.path);
  expect(await exists(dir, 'services/notifications/src/clients/catalog.client.ts')).toBe(true);
  expect(touched).toContain('services/notifications/src/clients/catalog.client.ts');
  expect(touched.filter((p) => /^services\/(catalog|orders|payments)\//.test(p))).toEqual([]);
});

it('adding a service creates it; removing it deletes its untouched files and reports the edited ones', async () => {
  await editPlan((p) => {
    p.services.push({ name: 'reviews', description: 'Product reviews.', api: { style: 'rest', basePath: '/v1' }, operations: [{ id: 'listReviews', method: 'get', path: '/reviews', summary: 'List reviews', response: { status: 200 } }] });
  });
  expect(await syncCommand([dir], quiet)).toBe(0);
  expect(await exists(dir, 'services/reviews/openapi.yaml')).toBe(true);
  const readme = 'services/reviews/README.md';
  await write(dir, readme, `${await read(dir, readme)}\nMy notes.\n`);
  await editPlan((p) => {
    p.services = p.services.filter((s) => s.name !== 'reviews');
  });
  let out = '';
  expect(await syncCommand([dir], (t) => (out += t))).toBe(0);
  expect(out).toMatch(/report\s+services\/reviews\/README\.md/);
  expect(await read(dir, readme)).toContain('My notes.');
  expect(await exists(dir, 'services/reviews/openapi.yaml')).toBe(false);
  expect(await exists(dir, 'services/reviews/src')).toBe(false);
});
