/**
 * renderTree: the pure middle of the pipeline. Normalized plan + service APIs in, an
 * in-memory tree of files out. No disk writes, no clock, no randomness: the same input
 * gives the same bytes.
 */
import { generators } from '../../generators/index.js';
import type { FileSpec, Generator, GeneratorContext } from '../../generators/types.js';
import { renderTemplate } from './templates.js';
import { addFile, type RenderedFile, type RenderedTree } from './tree.js';
import { formatFile } from './format.js';

export interface RenderTreeOptions {
  /**
   * A service-scoped generator's output for one service when the caller already has it
   * (sync passes the last render of services whose inputs did not change); undefined: render.
   */
  reuse?: (generator: string, service: string) => RenderedFile[] | undefined;
}

async function renderGenerator(gen: Generator, ctx: GeneratorContext, tree: RenderedTree, options: RenderTreeOptions): Promise<void> {
  const targets = gen.scope === 'service' ? ctx.plan.services : [undefined];
  for (const service of targets) {
    const reused = service ? options.reuse?.(gen.name, service.name) : undefined;
    if (reused) {
      for (const file of reused) addFile(tree, file);
      continue;
    }
    const specs: FileSpec[] = await gen.files(ctx, service);
    for (const spec of specs) {
      if (spec.when === false) continue;
      let content: string;
      if (spec.content !== undefined) content = spec.content;
      else if (spec.template) content = renderTemplate(gen.name, spec.template, spec.data ?? {});
      else throw new Error(`generator ${gen.name}: file ${spec.path} has neither content nor template`);
      addFile(tree, { path: spec.path, content: spec.format === false ? content : formatFile(spec.path, content), owner: spec.owner, generator: gen.name, mode: spec.mode, ...(service ? { service: service.name } : {}) });
    }
  }
}

export async function renderTree(ctx: GeneratorContext, only?: readonly string[], options: RenderTreeOptions = {}): Promise<RenderedTree> {
  const tree: RenderedTree = new Map();
  for (const gen of generators) {
    if (only && !only.includes(gen.name)) continue;
    await renderGenerator(gen, ctx, tree, options);
  }
  return tree;
}
