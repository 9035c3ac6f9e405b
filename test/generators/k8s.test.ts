import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { k8sGenerator } from '../../generators/k8s/index.js';
import type { FileSpec } from '../../generators/types.js';
import { normalizePlan } from '../../src/plan/normalize.js';
import type { Plan } from '../../src/plan/schema.js';
import { validatePlan } from '../../src/plan/validate.js';
import { renderSystem } from '../../src/render/pipeline.js';

const root = path.resolve(import.meta.dirname, '../..');
const example = (name: string): Plan => validatePlan(JSON.parse(readFileSync(path.join(root, 'examples', `${name}.json`), 'utf8')));

async function render(plan: Plan): Promise<Map<string, FileSpec>> {
  const files = await k8sGenerator.files({ plan: normalizePlan(plan), apis: new Map(), specTexts: new Map(), version: '0.0.0-test' });
  return new Map(files.map((f) => [f.path, f]));
}

/** RFC 1123 label, what Kubernetes requires of Service names and most object names. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

type Manifest = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; spec?: any; data?: Record<string, string> };

function manifests(text: string): Manifest[] {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) throw new Error('not a document stream');
  for (const d of docs) expect(d.errors).toEqual([]);
  return docs.map((d) => d.toJS() as Manifest);
}

/** A plan with a service whose name is at the 40-character limit and custom scaling and grace. */
function edgePlan(): Plan {
  const plan = structuredClone(example('shop'));
  const long = 'a'.repeat(20) + '-' + 'b'.repeat(19);
  for (const s of plan.services) for (const d of s.dependsOn ?? []) if (d.service === 'payments') d.service = long;
  const payments = plan.services.find((s) => s.name === 'payments')!;
  payments.name = long;
  payments.scaling = { replicas: 9, minReplicas: 1, maxReplicas: 4, cpu: '500m', memory: '1Gi' };
  payments.resilience = { shutdownGraceMs: 30_000 };
  return validatePlan(plan);
}

const cases: [string, Plan][] = [
  ['minimal', example('minimal')],
  ['shop', example('shop')],
  ['edge', edgePlan()],
];

describe('k8s generator', () => {
  it.each(cases)('%s: one manifest file per service plus a kustomization listing them', async (_n, plan) => {
    const files = await render(plan);
    const names = plan.services.map((s) => s.name);
    expect([...files.keys()].sort()).toEqual([...names.map((n) => `k8s/${n}.yaml`), 'k8s/kustomization.yaml'].sort());
    const k = parse(files.get('k8s/kustomization.yaml')!.content!) as { kind: string; resources: string[]; images: { name: string; newTag: string }[] };
    expect(k.kind).toBe('Kustomization');
    expect(k.resources).toEqual(names.map((n) => `${n}.yaml`));
    expect(k.images.map((i) => i.name)).toEqual(names.map((n) => `${plan.name}/${n}`));
  });

  it.each(cases)('%s: every document parses, has apiVersion/kind and a valid DNS-label name', async (_n, plan) => {
    const files = await render(plan);
    for (const s of plan.services) {
      const docs = manifests(files.get(`k8s/${s.name}.yaml`)!.content!);
      expect(docs.map((d) => `${d.apiVersion} ${d.kind}`)).toEqual([
        'v1 ConfigMap',
        'apps/v1 Deployment',
        'v1 Service',
        'autoscaling/v2 HorizontalPodAutoscaler',
        'policy/v1 PodDisruptionBudget',
      ]);
      for (const d of docs) {
        expect(d.metadata.name.length, d.metadata.name).toBeLessThanOrEqual(63);
        expect(d.metadata.name).toMatch(DNS_LABEL);
      }
    }
  });

  it.each(cases)('%s: every document validates against the Kubernetes API schema (kubernetes-models)', async (_n, plan) => {
    const models = { ConfigMap, Deployment, Service, HorizontalPodAutoscaler, PodDisruptionBudget } as const;
    const files = await render(plan);
    for (const s of plan.services) {
      for (const doc of manifests(files.get(`k8s/${s.name}.yaml`)!.content!)) {
        const Model = models[doc.kind as keyof typeof models] as unknown as new (d: unknown) => { validate(): void };
        expect(Model, doc.kind).toBeDefined();
        expect(() => new Model(doc).validate(), `${s.name} ${doc.kind}`).not.toThrow();
      }
    }
    // the check is real: a wrong type is rejected
    const [, dep] = manifests(files.get(`k8s/${plan.services[0]!.name}.yaml`)!.content!);
    dep!.spec.template.spec.containers[0].ports[0].containerPort = 'http';
    expect(() => new Deployment(dep as never).validate()).toThrow(/containerPort must be integer/);
  });

  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!kubectl)('kubectl kustomize builds the whole k8s/ folder (runs only where kubectl is installed)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'k8s-'));
    try {
      const files = await render(example('shop'));
      mkdirSync(path.join(dir, 'k8s'));
      for (const [p, f] of files) writeFileSync(path.join(dir, p), f.content!);
      const r = spawnSync('kubectl', ['kustomize', path.join(dir, 'k8s')], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const kinds = manifests(r.stdout).map((d) => d.kind);
      expect(kinds).toHaveLength(example('shop').services.length * 5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(cases)('%s: deployments probe health, run hardened, and take scaling and grace from the plan', async (_n, plan) => {
    const n = normalizePlan(plan);
    const files = await render(plan);
    for (const s of n.services) {
      const [cm, dep, svc, hpa, pdb] = manifests(files.get(`k8s/${s.name}.yaml`)!.content!) as [Manifest, Manifest, Manifest, Manifest, Manifest];
      const pod = dep.spec.template.spec;
      const c = pod.containers[0];
      expect(c.livenessProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
      expect(c.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'http' });
      expect(c.startupProbe.httpGet.path).toBe('/health/live');
      expect(c.ports).toEqual([{ name: 'http', containerPort: s.port, protocol: 'TCP' }]);
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true, allowPrivilegeEscalation: false });
      expect(c.resources.requests).toEqual({ cpu: s.scaling.cpu, memory: s.scaling.memory });
      expect(c.lifecycle.preStop.exec.command[0]).toBe('node');
      // preStop delay + the service's own drain must fit before SIGKILL
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(5 + s.resilience.shutdownGraceMs / 1000);
      expect(dep.spec.replicas).toBeGreaterThanOrEqual(s.scaling.minReplicas);
      expect(dep.spec.replicas).toBeLessThanOrEqual(s.scaling.maxReplicas);
      expect(dep.spec.selector.matchLabels).toEqual(dep.spec.template.metadata.labels);
      expect(svc.spec.selector).toEqual(dep.spec.template.metadata.labels);
      expect(pdb.spec.selector.matchLabels).toEqual(dep.spec.template.metadata.labels);
      expect(svc.spec.ports[0]).toMatchObject({ port: s.port, targetPort: 'http' });
      expect(hpa.spec).toMatchObject({ minReplicas: s.scaling.minReplicas, maxReplicas: s.scaling.maxReplicas, scaleTargetRef: { kind: 'Deployment', name: s.name } });

      // env: plain config in the ConfigMap, connection URLs (credentials) only through the Secret
      const refs = c.envFrom as { configMapRef?: { name: string }; secretRef?: { name: string } }[];
      expect(refs[0]).toEqual({ configMapRef: { name: cm.metadata.name } });
      expect(cm.data!.PORT).toBe(String(s.port));
      for (const d of s.dependencies) expect(cm.data![d.urlEnv]).toBe(d.defaultUrl);
      expect(cm.data).not.toHaveProperty('DATABASE_URL');
      expect(cm.data).not.toHaveProperty('BROKER_URL');
      const needsSecret = Boolean(s.datastore) || s.usesBroker;
      expect(refs.some((r) => r.secretRef?.name === `${s.name}-secrets`)).toBe(needsSecret);
    }
  });

  it('clamps replicas into the autoscaler range and sizes the grace period from shutdownGraceMs', async () => {
    const files = await render(edgePlan());
    const long = 'a'.repeat(20) + '-' + 'b'.repeat(19);
    const [, dep, , hpa] = manifests(files.get(`k8s/${long}.yaml`)!.content!) as Manifest[];
    expect(dep!.spec.replicas).toBe(4);
    expect(hpa!.spec).toMatchObject({ minReplicas: 1, maxReplicas: 4 });
    expect(dep!.spec.template.spec.terminationGracePeriodSeconds).toBe(5 + 30 + 5);
    expect(dep!.spec.template.spec.containers[0].resources.limits).toEqual({ memory: '1Gi' });
  });

  it('contract with the service generators: every ConfigMap and Secret key is a variable the service reads; the image user is the pod user', async () => {
    const { tree } = await renderSystem(example('shop'));
    for (const s of normalizePlan(example('shop')).services) {
      const config = tree.get(`services/${s.name}/src/config.ts`)!.content;
      const [cm] = manifests(tree.get(`k8s/${s.name}.yaml`)!.content);
      const keys = [...Object.keys(cm!.data!), ...(s.datastore ? ['DATABASE_URL'] : []), ...(s.usesBroker ? ['BROKER_URL'] : [])];
      for (const k of keys) expect(config, `${s.name} reads ${k}`).toMatch(new RegExp(`['"]${k}['"]`));
      // runAsUser 1000 is the `node` user of the official Node.js images the Dockerfile runs as
      expect(tree.get(`services/${s.name}/Dockerfile`)!.content).toMatch(/^USER node$/m);
    }
  });

  it('renders the same bytes for the same plan', async () => {
    const a = await render(example('shop'));
    const b = await render(example('shop'));
    for (const [p, f] of a) expect(f.content, p).toBe(b.get(p)!.content);
  });
});
