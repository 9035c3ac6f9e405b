/**
 * `compose`: docker-compose.yml for the whole system (every service, one database per
 * service that keeps data, the broker, an OpenTelemetry collector and Jaeger) plus the
 * collector's configuration and image. Built as YAML documents, never string templates.
 */
import type { Generator } from '../types.js';
import { assertNoHostClash } from './infra.js';
import { composeFile, collectorConfig, collectorDockerfile } from './compose-file.js';

export const composeGenerator: Generator = {
  name: 'compose',
  description: 'docker-compose.yml with every service, its datastore, the broker, an OpenTelemetry collector and Jaeger; healthchecks everywhere',
  scope: 'system',
  files(ctx) {
    assertNoHostClash(ctx.plan);
    return [
      { path: 'docker-compose.yml', owner: 'merged', content: composeFile(ctx.plan) },
      { path: 'infra/otel-collector.yaml', owner: 'merged', content: collectorConfig() },
      { path: 'infra/otel-collector.Dockerfile', owner: 'generated', content: collectorDockerfile() },
    ];
  },
};
