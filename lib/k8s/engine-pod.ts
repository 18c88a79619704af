import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { IRSA_ROLE_ANNOTATION } from '../model';

/**
 * How every construct that runs the bucketbridge runtime image shapes its pod: non-root with the
 * runtime's default seccomp profile, a read-only root file system with an emptyDir for `/tmp` (the
 * engine's spools), no privilege escalation, no capabilities, requests and limits as quantities,
 * and a ServiceAccount carrying the IRSA role when a remote uses one.
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 */

/** The pod-level security context of an engine pod. */
export const ENGINE_POD_SECURITY_CONTEXT: k8s.PodSecurityContext = { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } };

const TMP_VOLUME = 'tmp';

/** The volumes every engine pod has (add your own after them). */
export function engineVolumes(): k8s.Volume[] {
  return [{ name: TMP_VOLUME, emptyDir: {} }];
}

/** CPU and memory of an engine container; unset entries are left out. */
export interface EngineResources {
  readonly requests: Readonly<Record<string, string | undefined>>;
  readonly limits: Readonly<Record<string, string | undefined>>;
}

export interface EngineContainerOptions {
  readonly name: string;
  readonly image: string | undefined;
  /** Arguments after the image's `bucketbridge` entrypoint. */
  readonly args: string[];
  readonly env: k8s.EnvVar[];
  readonly resources: EngineResources;
  /** @default - none */
  readonly ports?: k8s.ContainerPort[];
  /** @default - none */
  readonly livenessProbe?: k8s.Probe;
  /** @default - none */
  readonly readinessProbe?: k8s.Probe;
  /** Mounts besides `/tmp`. @default - none */
  readonly volumeMounts?: k8s.VolumeMount[];
}

function quantities(q: Readonly<Record<string, string | undefined>>): Record<string, k8s.Quantity> {
  return Object.fromEntries(Object.entries(q).flatMap(([k, v]) => (v === undefined ? [] : [[k, k8s.Quantity.fromString(v)]])));
}

/** The engine container, hardened as the Restricted pod security standard asks. */
export function engineContainer(o: EngineContainerOptions): k8s.Container {
  return {
    name: o.name,
    image: o.image,
    args: o.args,
    env: o.env,
    ...(o.ports ? { ports: o.ports } : {}),
    ...(o.livenessProbe ? { livenessProbe: o.livenessProbe } : {}),
    ...(o.readinessProbe ? { readinessProbe: o.readinessProbe } : {}),
    resources: { requests: quantities(o.resources.requests), limits: quantities(o.resources.limits) },
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
    volumeMounts: [{ name: TMP_VOLUME, mountPath: '/tmp' }, ...(o.volumeMounts ?? [])],
  };
}

export interface EngineServiceAccountOptions {
  readonly metadata: k8s.ObjectMeta;
  /** The IAM role of IRSA (`eks.amazonaws.com/role-arn`). @default - no annotation */
  readonly irsaRoleArn?: string;
  /** Mount the API token (IRSA, Pod Identity, Kubernetes Leases need it). */
  readonly automountServiceAccountToken: boolean;
}

/** The engine pod's ServiceAccount. */
export function engineServiceAccount(scope: Construct, id: string, o: EngineServiceAccountOptions): k8s.KubeServiceAccount {
  const annotations = { ...(o.metadata.annotations ?? {}), ...(o.irsaRoleArn === undefined ? {} : { [IRSA_ROLE_ANNOTATION]: o.irsaRoleArn }) };
  return new k8s.KubeServiceAccount(scope, id, {
    metadata: { ...o.metadata, annotations: Object.keys(annotations).length === 0 ? undefined : annotations },
    automountServiceAccountToken: o.automountServiceAccountToken,
  });
}
