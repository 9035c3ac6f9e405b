/**
 * Loads openapi-typescript (used by src/openapi/typescript.ts) with its `typescript`
 * import served through require.
 *
 * Why: openapi-typescript is ESM and does `import ts from 'typescript'`. TypeScript's
 * 9 MB CommonJS bundle has no "type" in its package.json, so through the ESM loader
 * Node 20 first compiles it once to detect its format and then scans it for export
 * names, ~0.2 s on top of the require itself (measured on 2 cores: 470 ms -> 290 ms for
 * the import). A resolve hook hands openapi-typescript a one-line module whose default
 * export is `require('typescript')` resolved from openapi-typescript's own file: the same
 * module object the ESM loader would have given it (it uses only the default import).
 *
 * The hook is registered just before this one import, once per process; the import
 * itself is the one typescript.ts does later, which then finds it in the module cache.
 */
import * as nodeModule from 'node:module';

const HOOK = `
export async function resolve(specifier, context, next) {
  if (specifier === 'typescript' && context.parentURL && /[\\\\/]node_modules[\\\\/]openapi-typescript[\\\\/]/.test(decodeURIComponent(context.parentURL))) {
    const source = 'import { createRequire } from "node:module"; export default createRequire(' + JSON.stringify(context.parentURL) + ')("typescript");';
    return { url: 'data:text/javascript,' + encodeURIComponent(source), format: 'module', shortCircuit: true };
  }
  return next(specifier, context);
}`;

let loading: Promise<unknown> | undefined;

export function loadOpenapiTypescript(): Promise<unknown> {
  loading ??= (async () => {
    // module.register exists from Node 20.6 (engines: >=20.19); without it, the plain import.
    try {
      if (typeof nodeModule.register === 'function') nodeModule.register(`data:text/javascript,${encodeURIComponent(HOOK)}`);
    } catch {
      // Hooks refused here (some embedders): the plain import is merely slower.
    }
    return import('openapi-typescript');
  })();
  return loading;
}
