/**
 * Sync on an installed, generated repo (issue 5), where the compiler is the contract:
 * - a changed response field makes `npm run build` fail in the user's handler, naming the
 *   field, and the user's code is still there;
 * - every real-world document of the shared OpenAPI corpus, dropped in as a service's
 *   openapi.yaml: sync succeeds, the service type-checks, boots, and every routed operation
 *   answers (501 problem+json until implemented); what is not supported is reported.
 * Each case works on a copy of the shared `minimal` repo whose node_modules is a symlink
 * to the installed one, so nothing is installed twice.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startJwks, type JwksServer } from '../helpers/jwks.js';
import { projectRoot } from '../helpers/plans.js';
import { sampleRequest } from '../helpers/sample-request.js';
import { startService } from '../helpers/service-process.js';

const run = promisify(execFile);
const root = inject('e2eRoot');
const minimal = path.join(root, 'minimal');
const work = mkdtempSync(path.join(root, 'sync-'));
const cli = path.join(projectRoot, 'bin/create-arch-service.js');

afterAll(() => rmSync(work, { recursive: true, force: true }));

let copies = 0;
function copyOfMinimal(): string {
  const dir = path.join(work, `repo-${copies++}`);
  cpSync(minimal, dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}node_modules`) && !src.endsWith(`${path.sep}dist`) });
  symlinkSync(path.join(minimal, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

async function sh(cmd: string, args: string[], cwd: string): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(cmd, args, { cwd, maxBuffer: 256 * 1024 * 1024 });
    return { code: 0, out: `${stdout}${stderr}` };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('a changed response field is a type error in the user handler', () => {
  it('npm run build fails naming the field; the handler body is kept', async () => {
    const repo = copyOfMinimal();
    const handlerFile = path.join(repo, 'services/notes/src/handlers/notes.ts');
    const userBody = `  const now = new Date().toISOString(); // user code: keep me\n  return { id: request.params.noteId, title: 'hello', body: 'b', createdAt: now, updatedAt: now };`;
    const before = readFileSync(handlerFile, 'utf8');
    const implemented = before.replace(/(export async function getNote\([^{]*\{\n)[\s\S]*?\n\}/, (_m, head: string) => `${head}${userBody}\n}`);
    expect(implemented).not.toBe(before);
    writeFileSync(handlerFile, implemented);
    const first = await sh('npm', ['run', 'build'], path.join(repo, 'services/notes'));
    expect(first.code, first.out).toBe(0);

    const specFile = path.join(repo, 'services/notes/openapi.yaml');
    const spec = readFileSync(specFile, 'utf8');
    // Rename Note.title to Note.headline in the contract (the first `title:` property under Note).
    const edited = spec.replace(/(\n {4}Note:\n[\s\S]*?\n {8})title:/, '$1headline:').replace(/(\n {4}Note:\n[\s\S]*?required:[\s\S]*?- )title/, '$1headline');
    expect(edited).not.toBe(spec);
    writeFileSync(specFile, edited);
    const sync = await sh(process.execPath, [cli, 'sync', repo], repo);
    expect(sync.code, sync.out).toBe(0);

    const second = await sh('npm', ['run', 'build'], path.join(repo, 'services/notes'));
    expect(second.code).not.toBe(0);
    expect(second.out).toMatch(/src\/handlers\/notes\.ts/);
    expect(second.out).toMatch(/title|headline/);
    expect(readFileSync(handlerFile, 'utf8')).toContain('// user code: keep me');
  });
});

const corpusDir = path.resolve(projectRoot, '../shared/corpus/openapi');
const corpus = existsSync(corpusDir) ? readdirSync(corpusDir).filter((f) => /\.(ya?ml|json)$/.test(f)).sort() : [];

describe.runIf(corpus.length > 0)('importing every real-world spec of the shared corpus', () => {
  let jwks: JwksServer;
  beforeAll(async () => {
    jwks = await startJwks('https://issuer.test/', 'corpus');
  });
  afterAll(async () => jwks.close());

  it.each(corpus)('%s: sync, type-check, boot, every route answers', async (file) => {
    const repo = copyOfMinimal();
    const service = path.join(repo, 'services/notes');
    const text = readFileSync(path.join(corpusDir, file), 'utf8');
    writeFileSync(path.join(service, 'openapi.yaml'), text);

    const sync = await sh(process.execPath, [cli, 'sync', repo], repo);
    expect(sync.code, sync.out).toBe(0);
    const build = await sh('npm', ['run', 'build'], service);
    expect(build.code, build.out.slice(0, 4000)).toBe(0);

    const doc = (file.endsWith('.json') ? JSON.parse(text) : parse(text, { maxAliasCount: -1 })) as { paths?: Record<string, Record<string, { security?: Record<string, string[]>[] }>>; security?: Record<string, string[]>[] };
    const svc = await startService({
      cwd: service,
      env: { JWT_JWKS_URL: jwks.jwksUrl, JWT_ISSUER: 'https://issuer.test/', JWT_AUDIENCE: 'corpus', LOG_LEVEL: 'error', OTEL_EXPORTER_OTLP_ENDPOINT: undefined },
      readyTimeoutMs: 60_000,
    });
    try {
      let answered = 0;
      for (const [p, item] of Object.entries(doc.paths ?? {})) {
        if (/[*%]/.test(p)) continue; // reported by sync as not routable
        for (const [method, op] of Object.entries(item)) {
          if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
          const req = sampleRequest(doc, p, method);
          const scopes = [...new Set([...(op.security ?? doc.security ?? []).flatMap((r) => Object.values(r).flat())])];
          const headers: Record<string, string> = { ...req.headers, authorization: `Bearer ${await jwks.sign({ scope: scopes.join(' ') })}` };
          const res = await fetch(`${svc.url}${req.path.replace(/^(https?:)?\/\/[^/]+/, '')}`, { method: req.method, headers, body: req.body });
          const body = await res.text();
          // 501: routed to the stub. 400/415: routed, and validation rejected the sampled request; never 404 or 500.
          expect([501, 400, 415], `${method.toUpperCase()} ${req.path} -> ${res.status} ${body.slice(0, 300)}`).toContain(res.status);
          expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
          if (res.status === 501) answered++;
        }
      }
      const operations = Object.values(doc.paths ?? {}).flatMap((item) => Object.keys(item).filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m)));
      if (operations.length > 0) expect(answered).toBeGreaterThan(0);
    } finally {
      await svc.stop();
    }
  });
});
