import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import type { Manifest } from './kustomize';

interface ModelClass {
  prototype: { validate(): void };
}

/** The kinds deploy/ may use, with the JSON schema of the Kubernetes (or KEDA) API for each. */
const MODELS: Record<string, ModelClass> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
};

/**
 * Wraps an object so that every field the validator reads is noted; what is left unread is a
 * field the schema does not have. The schemas accept unknown fields (as the API server does,
 * dropping them with a warning), so without this a misspelt `readinessProbe` would pass.
 */
function trackReads(value: unknown, path: string, unread: Set<string>): unknown {
  if (value === null || typeof value !== 'object') return value;
  for (const key of Object.keys(value)) unread.add(`${path}/${key}`);
  return new Proxy(value, {
    get(target, property, receiver) {
      if (typeof property === 'string' && Object.prototype.hasOwnProperty.call(target, property)) {
        unread.delete(`${path}/${property}`);
        return trackReads(
          (target as Record<string, unknown>)[property],
          `${path}/${property}`,
          unread,
        );
      }
      return Reflect.get(target, property, receiver) as unknown;
    },
    // A map (labels, data) is read by listing its keys: each one counts as known.
    ownKeys(target) {
      for (const key of Object.keys(target)) unread.delete(`${path}/${key}`);
      return Reflect.ownKeys(target);
    },
  });
}

/**
 * The manifest's problems against its kind's schema, unknown fields included, as kubeconform
 * -strict would list them; empty when it is valid.
 */
export function schemaProblems(manifest: Manifest): string[] {
  const model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
  const name = `${manifest.kind} ${manifest.metadata?.name ?? '(no name)'}`;
  if (!model) return [`${name}: no schema for ${manifest.apiVersion} ${manifest.kind}`];
  const unread = new Set<string>();
  try {
    model.prototype.validate.call(trackReads(manifest, '', unread));
  } catch (error) {
    return [`${name}: ${(error as Error).message}`];
  }
  return [...unread].map((path) => `${name}: unknown field ${path}`);
}
