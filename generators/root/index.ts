/**
 * `root`: the files at the top of a generated repo: npm workspaces package.json, the plan
 * (arch.plan.json) with its JSON Schema, README, .gitignore, .dockerignore, .env.example,
 * the CI workflow and scripts/start-all.mjs behind `npm start`.
 */
import type { Generator } from '../types.js';
import {
  archPlanJson,
  ciWorkflow,
  dockerignore,
  envExample,
  gitignore,
  PLAN_SCHEMA_PATH,
  planSchemaJson,
  readmeContext,
  rootPackageJson,
  startAllData,
} from './files.js';

export const rootGenerator: Generator = {
  name: 'root',
  description: 'Repo root: npm workspaces, arch.plan.json and its schema, README, CI with sync --check, .env.example, npm start for every service',
  scope: 'system',
  files(ctx) {
    const plan = ctx.plan;
    return [
      { path: 'package.json', owner: 'merged', content: rootPackageJson(plan) },
      // Scaffolded: from now on the user's file; sync reads it, never rewrites it.
      { path: 'arch.plan.json', owner: 'scaffolded', content: archPlanJson(plan) },
      { path: PLAN_SCHEMA_PATH, owner: 'generated', content: planSchemaJson() },
      { path: 'README.md', owner: 'merged', template: 'README.md.hbs', data: readmeContext(plan, ctx.version) },
      { path: '.gitignore', owner: 'merged', content: gitignore() },
      { path: '.dockerignore', owner: 'generated', content: dockerignore() },
      { path: '.env.example', owner: 'merged', content: envExample(plan) },
      { path: '.github/workflows/ci.yml', owner: 'merged', content: ciWorkflow(plan, ctx.version) },
      { path: 'scripts/start-all.mjs', owner: 'generated', template: 'start-all.mjs.hbs', data: startAllData(plan), mode: 0o755 },
    ];
  },
};
