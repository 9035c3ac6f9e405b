/**
 * renderTree: the pure middle of the pipeline. Normalized plan + service APIs in, an
 * in-memory tree of files out. No disk writes, no clock, no randomness: the same input
 * gives the same bytes.
 */
import { generators } from '../../generators/index.js';
import type { FileSpec, Generator, GeneratorContext } from '../../generators/types.js';
import { renderTemplate } from './templates.js';
import { addFile, type RenderedTree } from './tree.js';
import { formatFile } from './format.js';

async function renderGenerator(gen: Generator, ctx: GeneratorContext, tree: RenderedTree): Promise<void> {
  const targets = gen.scope === 'service' ? ctx.plan.services : [undefined];
  for (const service of targets) {
    const specs: FileSpec[] = await gen.files(ctx, service);
    for (const spec of specs) {
      if (spec.when === false) continue;
      let content: string;
      if (spec.content !== undefined) content = spec.content;
      else if (spec.template) content = renderTemplate(gen.name, spec.template, spec.data ?? {});
      else throw new Error(`generator ${gen.name}: file ${spec.path} has neither content nor template`);
      addFile(tree, { path: spec.path, content: formatFile(spec.path, content), owner: spec.owner, generator: gen.name, mode: spec.mode });
    }
  }
}

export async function renderTree(ctx: GeneratorContext, only?: readonly string[]): Promise<RenderedTree> {
  const tree: RenderedTree = new Map();
  for (const gen of generators) {
    if (only && !only.includes(gen.name)) continue;
    await renderGenerator(gen, ctx, tree);
  }
  return tree;
}
