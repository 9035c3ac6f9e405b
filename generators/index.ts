/**
 * The one registry of generators. The CLI, the docs and sync iterate this list; nothing
 * else knows which generators exist. Order matters only for reading: every generator
 * renders into the same in-memory tree, and two generators may not render the same path.
 */
import type { Generator } from './types.js';
import { rootGenerator } from './root/index.js';
import { composeGenerator } from './compose/index.js';
import { k8sGenerator } from './k8s/index.js';
import { openapiGenerator } from './openapi/index.js';
import { docsGenerator } from './docs/index.js';
import { serviceGenerator } from './service/index.js';
import { handlersGenerator } from './handlers/index.js';
import { clientsGenerator } from './clients/index.js';

export const generators: readonly Generator[] = [
  rootGenerator,
  composeGenerator,
  k8sGenerator,
  openapiGenerator,
  docsGenerator,
  serviceGenerator,
  handlersGenerator,
  clientsGenerator,
];

export type { Generator, GeneratorContext, FileSpec } from './types.js';
