import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { NODE_ARGS } from '../../generators/service/index.js';
import { composeGenerator } from '../../generators/compose/index.js';
import { rootGenerator } from '../../generators/root/index.js';
import { envValue } from '../../generators/root/files.js';
import type { FileSpec } from '../../generators/types.js';
import { normalizePlan } from '../../src/plan/normalize.js';
import type { Plan } from '../../src/plan/schema.js';
import { validatePlan } from '../../src/plan/validate.js';
import { formatFile } from '../../src/render/format.js';
import { renderSystem } from '../../src/render/pipeline.js';
import { renderTemplate } from '../../src/render/templates.js';

type AddFormats = (ajv: object) => unknown;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ?? addFormatsModule) as unknown as AddFormats;
const root = path.resolve(import.meta.dirname, '../..');
const example = (name: string): Plan => validatePlan(JSON.parse(readFileSync(path.join(root, 'examples', `${name}.json`), 'utf8')));

interface Rendered extends FileSpec {
  text: string;
}

async function render(plan: Plan, version = '1.2.3'): Promise<Map<string, Rendered>> {
  const files = await rootGenerator.files({ plan: normalizePlan(plan), apis: new Map(), specTexts: new Map(), version });
  return new Map(files.map((f) => [f.path, { ...f, text: formatFile(f.path, f.content ?? renderTemplate('root', f.template!, f.data)) }]));
}

/** Variables of a .env file (comments and blank lines skipped). */
function envFile(text: string): Map<string, string> {
  return new Map(
    text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as [string, string]),
  );
}

describe('root generator', () => {
  it('renders every root file with its owner', async () => {
    const files = await render(example('shop'));
    expect(Object.fromEntries([...files].map(([p, f]) => [p, f.owner]))).toEqual({
      'package.json': 'merged',
      'arch.plan.json': 'scaffolded',
      '.arch/plan.schema.json': 'generated',
      'README.md': 'merged',
      '.gitignore': 'merged',
      '.dockerignore': 'generated',
      '.env.example': 'merged',
      '.github/workflows/ci.yml': 'merged',
      'scripts/start-all.mjs': 'generated',
    });
    expect(files.get('scripts/start-all.mjs')!.mode).toBe(0o755);
  });

  it('package.json: private npm workspaces, the three scripts, pinned hoisted dev tools, Node >= 20', async () => {
    const pkg = JSON.parse((await render(example('shop'))).get('package.json')!.text) as Record<string, any>;
    expect(pkg).toMatchObject({
      name: 'shop',
      private: true,
      workspaces: ['services/*'],
      scripts: { build: 'npm run build --workspaces', test: 'npm test --workspaces', start: 'node scripts/start-all.mjs' },
      devDependencies: { typescript: '5.9.3', vitest: '4.1.12', '@types/node': '20.19.43' },
      engines: { node: '>=20' },
    });
    for (const v of Object.values(pkg.devDependencies as Record<string, string>)) expect(v).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it.each(['minimal', 'shop'])('%s: arch.plan.json is the plan with a local $schema first, and validates against .arch/plan.schema.json', async (name) => {
    const plan = example(name);
    const files = await render(plan);
    const written = JSON.parse(files.get('arch.plan.json')!.text) as Record<string, unknown>;
    expect(Object.keys(written)[0]).toBe('$schema');
    expect(written.$schema).toBe('./.arch/plan.schema.json');
    const { $schema: _a, ...want } = plan;
    const { $schema: _b, ...got } = written;
    expect(got).toEqual(want);
    expect(validatePlan(written)).toBeTruthy();

    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    const check = ajv.compile(JSON.parse(files.get('.arch/plan.schema.json')!.text) as object);
    expect(check(written), JSON.stringify(check.errors)).toBe(true);
    expect(check({ ...written, services: 'nope' })).toBe(false);
  });

  it.each(['minimal', 'shop'])('%s: .env.example defines every variable docker-compose.yml reads, with placeholders only', async (name) => {
    const plan = example(name);
    const env = envFile((await render(plan)).get('.env.example')!.text);
    const compose = (await composeGenerator.files({ plan: normalizePlan(plan), apis: new Map(), specTexts: new Map(), version: 'x' })).find((f) => f.path === 'docker-compose.yml')!.content!;
    const used = new Set([...compose.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]!));
    for (const v of used) expect(env.has(v), v).toBe(true);
    for (const [k, v] of env) if (/PASSWORD/.test(k)) expect(v).toBe('change-me');
    if (name === 'shop') {
      expect([...env.keys()]).toEqual(['CATALOG_DB_PASSWORD', 'ORDERS_DB_PASSWORD', 'PAYMENTS_DB_PASSWORD', 'NOTIFICATIONS_DB_PASSWORD', 'JWT_ISSUER', 'JWT_AUDIENCE', 'JWT_JWKS_URL', 'LOG_LEVEL']);
      expect(env.get('JWT_ISSUER')).toBe('https://id.shop.example/');
    }
  });

  it.each([
    ['https://id.example/', 'https://id.example/'],
    ['has space', "'has space'"],
    ['$HOME', "'$HOME'"],
    ["it's\nodd", "'its odd'"],
  ])('envValue(%j) = %j', (given, want) => expect(envValue(given)).toBe(want));

  it('CI installs, builds, tests and runs sync --check with the generator version that wrote the repo', async () => {
    const ci = parse((await render(example('shop'), '4.5.6')).get('.github/workflows/ci.yml')!.text) as any;
    expect(Object.keys(ci.on)).toEqual(['push', 'pull_request']);
    const runs = (ci.jobs.build.steps as { run?: string; uses?: string }[]).map((s) => s.run ?? s.uses);
    expect(runs).toEqual(['actions/checkout@v4', 'actions/setup-node@v4', 'npm ci', 'npm run build', 'npm test', 'npx --yes create-arch-service@4.5.6 sync --check']);
    expect(ci.jobs.build.steps[1].with['node-version']).toBe(20);
  });

  it('.gitignore keeps secrets and build output out of git but keeps .env.example and .arch/', async () => {
    const files = await render(example('shop'));
    const lines = files.get('.gitignore')!.text.split('\n');
    for (const l of ['node_modules/', 'dist/', '.env', '.env.*', '!.env.example']) expect(lines).toContain(l);
    expect(lines.filter((l) => !l.startsWith('#')).some((l) => l.includes('.arch'))).toBe(false);
    expect(files.get('.dockerignore')!.text).toContain('**/node_modules');
  });

  it('README explains install, build, test, start, compose, traces, and editing the plan and specs with sync', async () => {
    const plan = example('shop');
    const readme = (await render(plan)).get('README.md')!.text;
    for (const s of [
      '# Shop', 'npm install', 'npm run build', 'npm test', 'npm start', 'cp .env.example .env', 'docker compose up --build',
      'http://localhost:16686', 'http://localhost:8889/metrics', 'services/<name>/openapi.yaml', 'arch.plan.json',
      'npx create-arch-service sync', 'npx create-arch-service sync --check', 'npx create-arch-service sync --dry-run', 'kubectl apply -k k8s',
      'the databases (`catalog-db`, `orders-db`, `payments-db`, `notifications-db`), the nats broker (`broker`), the services it calls, and the OpenTelemetry collector',
      'create-arch-service@1.2.3',
    ]) expect(readme, s).toContain(s);
    for (const s of plan.services) expect(readme).toContain(`| [${s.name}](services/${s.name}) |`);
  });

  it('README escapes hostile plan text', async () => {
    const plan = structuredClone(example('minimal'));
    plan.title = 'Notes <script>x</script>\n# h';
    plan.summary = '```\n<img src=x>';
    plan.services[0]!.description = 'a | b\nc';
    const readme = (await render(validatePlan(plan))).get('README.md')!.text;
    expect(readme).not.toMatch(/<script|<img/);
    expect(readme).toContain('# Notes &lt;script&gt;x&lt;/script&gt; # h');
    expect(readme).toContain('| [notes](services/notes) | 3001 | — | a \\| b c |');
    // the summary's fence is neutralised: the README has exactly the fences of a benign plan's README
    const fences = (t: string) => t.split('\n').filter((l) => l.startsWith('```')).length;
    expect(fences(readme)).toBe(fences((await render(example('minimal'))).get('README.md')!.text));
    expect(readme).toContain('\\```');
  });

  it('contract with the service generators: npm start, the Dockerfile and start-all run dist/main.js with the same node arguments, hoisted dev tools match, start-all only sets variables services read', async () => {
    const plan = example('shop');
    const { tree } = await renderSystem(plan);
    const rootPkg = JSON.parse(tree.get('package.json')!.content) as { devDependencies: Record<string, string> };
    const script = tree.get('scripts/start-all.mjs')!.content;
    expect(script).toContain(`const NODE_ARGS = [${NODE_ARGS.map((a) => `'${a}'`).join(', ')}];`);
    expect(script).toContain('spawn(process.execPath, NODE_ARGS,');
    for (const s of plan.services) {
      const pkg = JSON.parse(tree.get(`services/${s.name}/package.json`)!.content) as { scripts: Record<string, string>; devDependencies?: Record<string, string> };
      expect(pkg.scripts.start).toBe(`node ${NODE_ARGS.join(' ')}`);
      expect(tree.get(`services/${s.name}/Dockerfile`)!.content).toContain(`CMD ${JSON.stringify(['node', ...NODE_ARGS]).replaceAll(',', ', ')}`);
      for (const [dep, version] of Object.entries(pkg.devDependencies ?? {})) {
        if (dep in rootPkg.devDependencies) expect(rootPkg.devDependencies[dep], dep).toBe(version);
      }
      const config = tree.get(`services/${s.name}/src/config.ts`)!.content;
      const env = /const SERVICES = (\[[\s\S]*?\n\]);/.exec(script)![1]!;
      const mine = (JSON.parse(env) as { name: string; env: Record<string, string> }[]).find((x) => x.name === s.name)!;
      for (const name of Object.keys(mine.env)) expect(config, `${s.name} reads ${name}`).toMatch(new RegExp(`['"]${name}['"]`));
    }
  });

  it('renders the same bytes for the same plan', async () => {
    const a = await render(example('shop'));
    const b = await render(example('shop'));
    for (const [p, f] of a) expect(f.text, p).toBe(b.get(p)!.text);
  });
});

// --- scripts/start-all.mjs, run for real against stand-in services -----------------------------

/** A stand-in for a built service: serves /health/live and /env on HOST:PORT, drains on SIGTERM. */
const FAKE_MAIN = `
import http from 'node:http';
const server = http.createServer((req, res) => {
  if (req.url === '/crash') { res.end('bye'); setTimeout(() => process.exit(3), 10); return; }
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(req.url === '/env' ? { PORT: process.env.PORT, HOST: process.env.HOST, ALPHA_URL: process.env.ALPHA_URL } : { status: 'ok' }));
});
server.listen(Number(process.env.PORT), process.env.HOST, () => console.log('listening on ' + process.env.PORT));
process.on('SIGTERM', () => server.close(() => { console.log('drained'); process.exit(0); }));
process.on('SIGINT', () => server.close(() => process.exit(0)));
`;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function waitFor(url: string, timeoutMs = 10_000): Promise<Response> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fetch(url);
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function portClosed(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/health/live`);
    return false;
  } catch {
    return true;
  }
}

describe('scripts/start-all.mjs', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  async function setup(built: string[] = ['alpha', 'beta']) {
    const [pa, pb] = [await freePort(), await freePort()];
    const plan = validatePlan({
      planVersion: 1,
      name: 'duo',
      summary: 'Two services.',
      services: [
        { name: 'alpha', description: 'A', port: pa, operations: [{ id: 'ping', method: 'get', path: '/ping', summary: 'ping', response: { status: 200 } }] },
        { name: 'beta', description: 'B', port: pb, dependsOn: [{ service: 'alpha' }], operations: [{ id: 'pong', method: 'get', path: '/pong', summary: 'pong', response: { status: 200 } }] },
      ],
    });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'start-all-'));
    dirs.push(dir);
    const script = (await render(plan)).get('scripts/start-all.mjs')!.text;
    mkdirSync(path.join(dir, 'scripts'));
    writeFileSync(path.join(dir, 'scripts/start-all.mjs'), script);
    for (const s of built) {
      mkdirSync(path.join(dir, 'services', s, 'dist'), { recursive: true });
      writeFileSync(path.join(dir, 'services', s, 'dist', 'main.js'), FAKE_MAIN);
      writeFileSync(path.join(dir, 'services', s, 'package.json'), '{"type":"module"}');
    }
    const child = spawn(process.execPath, [path.join(dir, 'scripts/start-all.mjs')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { pa, pb, child, exited, output: () => out };
  }

  it('is valid JavaScript', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'start-all-'));
    dirs.push(dir);
    writeFileSync(path.join(dir, 'start-all.mjs'), (await render(example('shop'))).get('scripts/start-all.mjs')!.text);
    const r = spawnSync(process.execPath, ['--check', path.join(dir, 'start-all.mjs')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('starts every service on 127.0.0.1 with local dependency URLs, and SIGTERM drains them all with exit 0', async () => {
    const { pa, pb, child, exited, output } = await setup();
    expect((await waitFor(`http://127.0.0.1:${pa}/health/live`)).status).toBe(200);
    const env = (await (await waitFor(`http://127.0.0.1:${pb}/env`)).json()) as Record<string, string>;
    expect(env).toEqual({ PORT: String(pb), HOST: '127.0.0.1', ALPHA_URL: `http://127.0.0.1:${pa}` });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output()).toMatch(/\[alpha\] drained/);
    expect(output()).toMatch(/\[beta \] drained/);
    expect(await portClosed(pa)).toBe(true);
    expect(await portClosed(pb)).toBe(true);
  });

  it('stops the others and exits 1 when one service dies', async () => {
    const { pa, pb, exited, output } = await setup();
    await waitFor(`http://127.0.0.1:${pa}/health/live`);
    await waitFor(`http://127.0.0.1:${pb}/health/live`);
    await fetch(`http://127.0.0.1:${pa}/crash`);
    expect(await exited).toBe(1);
    expect(output()).toContain('alpha exited (code 3)');
    expect(await portClosed(pb)).toBe(true);
  });

  it('refuses to start when a service is not built', async () => {
    const { exited, output } = await setup(['alpha']);
    expect(await exited).toBe(1);
    expect(output()).toContain('not built: beta');
  });
});
