/**
 * Validates a Kubernetes manifest (parsed YAML) against the Kubernetes OpenAPI schemas shipped in npm
 * packages (kubernetes-models, @kubernetes-models/prometheus-operator): types, required fields, enums and
 * formats. No cluster and no network. Unknown fields are not rejected by these schemas.
 */
import * as monitoringV1 from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import * as monitoringV1alpha1 from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1alpha1';
import * as appsV1 from 'kubernetes-models/apps/v1';
import * as autoscalingV2 from 'kubernetes-models/autoscaling/v2';
import * as networkingV1 from 'kubernetes-models/networking.k8s.io/v1';
import * as policyV1 from 'kubernetes-models/policy/v1';
import * as coreV1 from 'kubernetes-models/v1';

interface Model {
  validate(): void;
}
type ModelClass = new (data: never) => Model;

const GROUPS: Record<string, Record<string, unknown>> = {
  v1: coreV1,
  'apps/v1': appsV1,
  'policy/v1': policyV1,
  'autoscaling/v2': autoscalingV2,
  'networking.k8s.io/v1': networkingV1,
  'monitoring.coreos.com/v1': monitoringV1,
  'monitoring.coreos.com/v1alpha1': monitoringV1alpha1,
};

/** Problems with one manifest ([] when valid). */
export function validateManifest(doc: { apiVersion?: unknown; kind?: unknown }): string[] {
  const apiVersion = String(doc.apiVersion ?? '');
  const kind = String(doc.kind ?? '');
  const Model = GROUPS[apiVersion]?.[kind] as ModelClass | undefined;
  if (typeof Model !== 'function') return [`no schema for ${apiVersion} ${kind}`];
  try {
    new Model(doc as never).validate();
    return [];
  } catch (err) {
    const e = err as Error & { errors?: Array<{ instancePath?: string; message?: string }> };
    if (Array.isArray(e.errors) && e.errors.length > 0) {
      return e.errors.map((x) => `${kind} ${x.instancePath ?? ''} ${x.message ?? ''}`.trim());
    }
    return [`${kind}: ${e.message}`];
  }
}
