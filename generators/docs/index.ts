/**
 * `docs`: docs/ARCHITECTURE.md (the plan explained for people: the backend-architect's
 * response format, a Mermaid diagram, every service, call, event and setting) and one ADR
 * per decision under docs/adr/.
 */
import type { FileSpec, Generator } from '../types.js';
import { adrContext, adrPath, architectureContext } from './context.js';

export const docsGenerator: Generator = {
  name: 'docs',
  description: 'docs/ARCHITECTURE.md rendered from the plan (with a Mermaid diagram) and one ADR per decision',
  scope: 'system',
  files(ctx) {
    const files: FileSpec[] = [
      { path: 'docs/ARCHITECTURE.md', owner: 'merged', template: 'ARCHITECTURE.md.hbs', data: architectureContext(ctx.plan, ctx.apis) },
    ];
    for (const d of ctx.plan.decisions) files.push({ path: adrPath(d), owner: 'merged', template: 'ADR.md.hbs', data: adrContext(d) });
    return files;
  },
};
