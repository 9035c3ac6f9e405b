/**
 * The generation pipeline, top to bottom (DESIGN.md §1, STYLE.md):
 *   plan -> normalizePlan -> openapi.yaml per service -> ServiceApi per service -> renderTree
 * Pure: returns the whole repo as an in-memory tree. Writing is the sync engine's job.
 */
import { normalizePlan, type NormalizedPlan } from '../plan/normalize.js';
import type { Plan } from '../plan/schema.js';
import { specFromPlan } from '../openapi/from-plan.js';
import { readServiceApi, type ParsedSpec } from '../openapi/read.js';
import type { ServiceApi } from '../openapi/model.js';
import { packageVersion } from '../paths.js';
import { loadOpenapiTypescript } from './load-openapi-typescript.js';
import { renderTree, type RenderTreeOptions } from './render-tree.js';
import type { RenderedTree } from './tree.js';

export function specPath(service: string): string {
  return `services/${service}/openapi.yaml`;
}

/** Phase 1: each service's openapi.yaml as the plan describes it. */
export function renderSpecs(plan: NormalizedPlan): Map<string, string> {
  return new Map(plan.services.map((s) => [s.name, specFromPlan(plan, s)]));
}

export interface RenderOptions {
  /**
   * The openapi.yaml text to build each service from, when it differs from the plan's
   * render: on sync, the user's (merged) spec on disk is the source of truth.
   */
  specTexts?: ReadonlyMap<string, string>;
  /** Passed to renderTree: reuse a service-scoped generator's last output (sync). */
  reuse?: RenderTreeOptions['reuse'];
  /** Specs already parsed from exactly their specTexts (sync's cache), by service. */
  parsedSpecs?: ReadonlyMap<string, ParsedSpec>;
}

export interface RenderResult {
  plan: NormalizedPlan;
  apis: Map<string, ServiceApi>;
  specTexts: Map<string, string>;
  tree: RenderedTree;
}

/** Phase 2: the whole repo in memory. */
export async function renderSystem(source: Plan, options: RenderOptions = {}): Promise<RenderResult> {
  const plan = normalizePlan(source);
  const specTexts = new Map<string, string>();
  const apis = new Map<string, ServiceApi>();
  for (const service of plan.services) {
    // Rendered from the plan only when not given (sync gives them all: 50 specs cost ~0.3 s).
    const text = options.specTexts?.get(service.name) ?? specFromPlan(plan, service);
    specTexts.set(service.name, text);
    apis.set(service.name, readServiceApi(text, specPath(service.name), service, options.specTexts?.has(service.name) ? options.parsedSpecs?.get(service.name) : undefined));
  }
  await loadOpenapiTypescript(); // the service generators' types; see there for why not a plain import
  const tree = await renderTree({ plan, apis, specTexts, version: packageVersion() }, undefined, { reuse: options.reuse });
  return { plan, apis, specTexts, tree };
}
