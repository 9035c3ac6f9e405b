/**
 * The generator contract. A generator is a declarative list of files rendered from the
 * normalized plan and the services' APIs; it never touches the disk. Its name is its
 * folder in generators/, its folder in templates/ and its test file in test/generators/.
 */
import type { NormalizedPlan, NormalizedService } from '../src/plan/normalize.js';
import type { ServiceApi } from '../src/openapi/model.js';
import type { Owner } from '../src/render/tree.js';

export interface GeneratorContext {
  plan: NormalizedPlan;
  /** API of each service, read from its openapi.yaml (or rendered from the plan on first generation). */
  apis: ReadonlyMap<string, ServiceApi>;
  /** Text of each service's openapi.yaml as it will be on disk. */
  specTexts: ReadonlyMap<string, string>;
  /** Version of create-arch-service, for banners and the manifest. */
  version: string;
}

export interface FileSpec {
  /** POSIX path relative to the repo root. */
  path: string;
  owner: Owner;
  /** Template file under templates/<generator>/, rendered with `data`. */
  template?: string;
  data?: unknown;
  /** Or: content computed in code (ts-morph, yaml, openapi-typescript). */
  content?: string;
  /** Render only when true (default true). */
  when?: boolean;
  mode?: number;
  /**
   * false: write `content` exactly as given. For text the user owns (an openapi.yaml
   * they edited): formatting it would rewrite their bytes, e.g. inside literal blocks.
   */
  format?: boolean;
}

export interface Generator {
  name: string;
  description: string;
  /** 'system': rendered once per repo; 'service': once per service. */
  scope: 'system' | 'service';
  files(ctx: GeneratorContext, service?: NormalizedService): FileSpec[] | Promise<FileSpec[]>;
}
