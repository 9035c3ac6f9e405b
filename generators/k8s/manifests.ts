/**
 * Kubernetes manifests for one service, as plain objects: ConfigMap, Deployment, Service,
 * HorizontalPodAutoscaler (autoscaling/v2) and PodDisruptionBudget. Datastores and the broker
 * are not deployed here: in a cluster they are usually managed services, so their URLs come
 * from a Secret the operator creates.
 */
// Type-only (erased at run time): the Kubernetes API types catch a misspelt or misplaced field at compile time.
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IService } from 'kubernetes-models/v1/Service';
import type { NormalizedPlan, NormalizedService } from '../../src/plan/normalize.js';
import { jwtJwksUrl, otlpEndpoint, serviceImage } from '../compose/infra.js';

type Json = Record<string, unknown>;

/** Seconds the pod keeps serving after it is marked for termination, so endpoints stop routing to it first. */
export const PRE_STOP_SECONDS = 5;
/** The node user of the official Node.js images; numeric so `runAsNonRoot` can be verified by the kubelet. */
export const RUN_AS_USER = 1000;
export const CPU_TARGET_PERCENT = 70;

export function labels(plan: NormalizedPlan, s: NormalizedService): Record<string, string> {
  return { 'app.kubernetes.io/name': s.names.kebab, 'app.kubernetes.io/part-of': plan.names.kebab };
}

export function configMapName(s: NormalizedService): string {
  return `${s.names.kebab}-config`;
}

export function secretName(s: NormalizedService): string {
  return `${s.names.kebab}-secrets`;
}

/** Keys the operator puts in the service's Secret: connection URLs, which carry credentials. */
export function secretKeys(s: NormalizedService): string[] {
  return [...(s.datastore ? [s.datastore.urlEnv] : []), ...(s.usesBroker ? ['BROKER_URL'] : [])];
}

export function configData(plan: NormalizedPlan, s: NormalizedService): Record<string, string> {
  const data: Record<string, string> = {
    PORT: String(s.port),
    HOST: '0.0.0.0',
    LOG_LEVEL: plan.observability.logLevel,
    OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint(),
    SHUTDOWN_GRACE_MS: String(s.resilience.shutdownGraceMs),
  };
  // Kubernetes Service names equal the compose service names, so the in-cluster URLs are the same.
  for (const d of s.dependencies) data[d.urlEnv] = d.defaultUrl;
  if (s.usesJwt) {
    data.JWT_JWKS_URL = jwtJwksUrl(plan);
    data.JWT_ISSUER = plan.auth.issuer;
    data.JWT_AUDIENCE = plan.auth.audience;
  }
  return data;
}

/** Time the pod gets between SIGTERM-ish events and SIGKILL: preStop, then the service's own drain, plus margin. */
export function terminationGraceSeconds(s: NormalizedService): number {
  return PRE_STOP_SECONDS + Math.ceil(s.resilience.shutdownGraceMs / 1000) + 5;
}

export type ServiceManifests = [IConfigMap, IDeployment, IService, IHorizontalPodAutoscaler, IPodDisruptionBudget];

export function serviceManifests(plan: NormalizedPlan, s: NormalizedService): ServiceManifests {
  const name = s.names.kebab;
  const meta = { name, labels: labels(plan, s) };
  const sc = s.scaling;
  const replicas = Math.min(Math.max(sc.replicas, sc.minReplicas), sc.maxReplicas);
  const httpGet = (path: string) => ({ path, port: 'http' });
  const envFrom: NonNullable<NonNullable<IDeployment['spec']>['template']['spec']>['containers'][number]['envFrom'] = [{ configMapRef: { name: configMapName(s) } }];
  if (secretKeys(s).length) envFrom.push({ secretRef: { name: secretName(s) } });

  const configMap: IConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: configMapName(s), labels: labels(plan, s) }, data: configData(plan, s) };

  const deployment: IDeployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta,
    spec: {
      replicas,
      revisionHistoryLimit: 5,
      selector: { matchLabels: labels(plan, s) },
      // Never below the current capacity during a rollout: a new pod must be ready before an old one goes.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels: labels(plan, s) },
        spec: {
          automountServiceAccountToken: false,
          terminationGracePeriodSeconds: terminationGraceSeconds(s),
          securityContext: { runAsNonRoot: true, runAsUser: RUN_AS_USER, runAsGroup: RUN_AS_USER, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name,
              image: serviceImage(plan, s),
              imagePullPolicy: 'IfNotPresent',
              ports: [{ name: 'http', containerPort: s.port, protocol: 'TCP' }],
              envFrom,
              // No CPU limit (throttling hurts latency); memory limit = request so the scheduler's promise holds.
              resources: { requests: { cpu: sc.cpu, memory: sc.memory }, limits: { memory: sc.memory } },
              startupProbe: { httpGet: httpGet('/health/live'), periodSeconds: 2, failureThreshold: 30 },
              livenessProbe: { httpGet: httpGet('/health/live'), periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
              readinessProbe: { httpGet: httpGet('/health/ready'), periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 2 },
              lifecycle: {
                // Keep serving while the endpoint removal propagates; the service then drains on SIGTERM.
                // node is the one binary every service image is sure to have.
                preStop: { exec: { command: ['node', '-e', `setTimeout(() => {}, ${PRE_STOP_SECONDS * 1000})`] } },
              },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          // The root filesystem is read-only; Node and its libraries may still need a scratch /tmp.
          volumes: [{ name: 'tmp', emptyDir: {} }],
        },
      },
    },
  };

  const service: IService = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta,
    spec: { type: 'ClusterIP', selector: labels(plan, s), ports: [{ name: 'http', port: s.port, targetPort: 'http', protocol: 'TCP' }] },
  };

  const hpa: IHorizontalPodAutoscaler = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: meta,
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: sc.minReplicas,
      maxReplicas: sc.maxReplicas,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: CPU_TARGET_PERCENT } } }],
    },
  };

  const pdb: IPodDisruptionBudget = {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: meta,
    spec: { maxUnavailable: 1, selector: { matchLabels: labels(plan, s) } },
  };

  return [configMap, deployment, service, hpa, pdb];
}

export function kustomization(plan: NormalizedPlan): Json {
  return {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: plan.services.map((s) => `${s.names.kebab}.yaml`),
    images: plan.services.map((s) => {
      const [image, tag] = serviceImage(plan, s).split(':') as [string, string];
      return { name: image, newTag: tag };
    }),
  };
}
