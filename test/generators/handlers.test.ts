import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { handlerFunction } from '../../generators/handlers/index.js';
import { renderSystem, type RenderResult } from '../../src/render/pipeline.js';
import { example } from '../helpers/plans.js';

let shop: RenderResult;
let minimal: RenderResult;
beforeAll(async () => {
  shop = await renderSystem(example('shop'));
  minimal = await renderSystem(example('minimal'));
});

/** Top-level exported async function declarations of a file, with their body text. */
function functions(path: string, content: string): { name: string; body: string; async: boolean; exported: boolean }[] {
  const sf = ts.createSourceFile(path, content, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  return sf.statements.filter(ts.isFunctionDeclaration).map((fn) => ({
    name: fn.name?.text ?? '',
    body: fn.body?.getText(sf) ?? '',
    async: Boolean(fn.modifiers?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword)),
    exported: Boolean(fn.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)),
  }));
}

describe('handlers generator', () => {
  it.each(['minimal', 'shop'] as const)('%s: one exported async 501 stub per operation, grouped by file, owned by the user', (name) => {
    const system = name === 'shop' ? shop : minimal;
    for (const service of system.plan.services) {
      const api = system.apis.get(service.name)!;
      const files = [...system.tree.values()].filter((f) => f.generator === 'handlers' && f.path.startsWith(`services/${service.name}/`));
      expect(files.length).toBeGreaterThan(0);
      const seen: string[] = [];
      for (const file of files) {
        expect(file.owner).toBe('scaffolded');
        expect(file.path).toMatch(new RegExp(`^services/${service.name}/src/handlers/[a-z0-9-]+\\.ts$`));
        const group = file.path.split('/').pop()!.replace(/\.ts$/, '');
        const fns = functions(file.path, file.content);
        expect(fns.map((f) => f.name)).toEqual(api.operations.filter((o) => o.group === group).map((o) => o.handlerName));
        for (const fn of fns) {
          expect(fn.async && fn.exported).toBe(true);
          expect(fn.body).toBe(`{\n  return notImplemented(reply, '${fn.name}');\n}`);
        }
        expect(file.content).toContain("from '../generated/handler-types.js'");
        seen.push(...fns.map((f) => f.name));
      }
      expect(seen.sort()).toEqual(api.operations.map((o) => o.handlerName).sort());
    }
  });

  it('a stub is self-contained: its text is exactly what sync inserts for a new operation', () => {
    const api = shop.apis.get('orders')!;
    const file = [...shop.tree.values()].find((f) => f.generator === 'handlers' && f.path.startsWith('services/orders/'))!;
    for (const op of api.operations.filter((o) => file.path.endsWith(`/${o.group}.ts`))) expect(file.content).toContain(handlerFunction(op));
  });

  it('documents security and the success status in each stub', () => {
    const op = shop.apis.get('orders')!.operations.find((o) => o.security && o.method === 'post')!;
    const stub = handlerFunction(op);
    expect(stub).toContain('Requires a bearer token');
    expect(stub).toContain(`Answer ${op.successStatus}`);
  });
});
