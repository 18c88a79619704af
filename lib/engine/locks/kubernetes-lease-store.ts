import { existsSync, readFileSync } from 'node:fs';
import { ApiException, CoordinationV1Api, KubeConfig, V1MicroTime, type V1Lease } from '@kubernetes/client-node';
import { ConfigurationError } from '../errors';
import { LeaseConflictError, MEMBERS_ANNOTATION, type Lease, type LeaseStore, type LeaseWrite } from './lease-store';

/** The namespace file of the pod's ServiceAccount token mount. */
const SERVICE_ACCOUNT_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export interface KubernetesConnection {
  readonly config: KubeConfig;
  /** The namespace the pod runs in, or the kubeconfig context's. */
  readonly namespace: string;
}

/**
 * The API server to keep leases on: the kubeconfig file when one is given (tests, runs outside a
 * cluster), else the pod's own (`KUBERNETES_SERVICE_HOST`/`_PORT`, and the ServiceAccount token
 * and CA under /var/run/secrets/kubernetes.io/serviceaccount). client-node reads the token file again
 * once it is a minute old, so a projected token's rotation is followed. `mountPrefix` puts that mount under
 * another directory (tests).
 */
export function connectToKubernetes(kubeconfig?: string, mountPrefix = ''): KubernetesConnection {
  const config = new KubeConfig();
  if (kubeconfig !== undefined) {
    try {
      config.loadFromFile(kubeconfig);
    } catch (err) {
      throw new ConfigurationError(`cannot read kubeconfig ${kubeconfig}: ${(err as Error).message}`);
    }
    return { config, namespace: config.getContextObject(config.getCurrentContext())?.namespace ?? 'default' };
  }
  if (process.env.KUBERNETES_SERVICE_HOST === undefined || process.env.KUBERNETES_SERVICE_PORT === undefined) {
    throw new ConfigurationError('bucket locks need the Kubernetes API: not in a pod (no KUBERNETES_SERVICE_HOST/PORT); give --kubeconfig');
  }
  config.loadFromCluster(mountPrefix);
  const namespaceFile = mountPrefix + SERVICE_ACCOUNT_NAMESPACE_FILE;
  const namespace = existsSync(namespaceFile) ? readFileSync(namespaceFile, 'utf8').trim() : 'default';
  return { config, namespace };
}

/** Leases in one namespace, through `@kubernetes/client-node`'s CoordinationV1Api. */
export class KubernetesLeaseStore implements LeaseStore {
  private readonly api: CoordinationV1Api;

  constructor(
    config: KubeConfig,
    readonly namespace: string,
  ) {
    this.api = config.makeApiClient(CoordinationV1Api);
  }

  get where(): string {
    return `namespace ${this.namespace}`;
  }

  async get(name: string): Promise<Lease | undefined> {
    try {
      return fromV1(await this.api.readNamespacedLease({ name, namespace: this.namespace }));
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return undefined;
      throw describe(err, `get lease ${name}`);
    }
  }

  async create(lease: LeaseWrite): Promise<Lease> {
    try {
      return fromV1(await this.api.createNamespacedLease({ namespace: this.namespace, body: toV1(lease) }));
    } catch (err) {
      if (err instanceof ApiException && err.code === 409) throw new LeaseConflictError(`lease ${lease.name} exists already`);
      throw describe(err, `create lease ${lease.name}`);
    }
  }

  async replace(current: Lease, next: LeaseWrite): Promise<Lease> {
    try {
      const body = toV1(next, current.resourceVersion);
      return fromV1(await this.api.replaceNamespacedLease({ name: current.name, namespace: this.namespace, body }));
    } catch (err) {
      if (err instanceof ApiException && (err.code === 409 || err.code === 404)) {
        throw new LeaseConflictError(`lease ${current.name} changed since version ${current.resourceVersion}`);
      }
      throw describe(err, `update lease ${current.name}`);
    }
  }
}

function toV1(lease: LeaseWrite, resourceVersion?: string): V1Lease {
  const micro = (date: Date | undefined) => (date === undefined ? undefined : new V1MicroTime(date.getTime()));
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: lease.name,
      resourceVersion,
      labels: { 'app.kubernetes.io/managed-by': 'bucketbridge' },
      annotations: { [MEMBERS_ANNOTATION]: lease.members.join(',') },
    },
    spec: {
      holderIdentity: lease.holder,
      leaseDurationSeconds: lease.durationSeconds,
      acquireTime: micro(lease.acquireTime),
      renewTime: micro(lease.renewTime),
      leaseTransitions: lease.transitions,
    },
  };
}

function fromV1(lease: V1Lease): Lease {
  const members = lease.metadata?.annotations?.[MEMBERS_ANNOTATION] ?? '';
  const holder = lease.spec?.holderIdentity;
  return {
    name: lease.metadata?.name ?? '',
    resourceVersion: lease.metadata?.resourceVersion ?? '',
    holder: holder === undefined || holder === '' ? undefined : holder,
    members: members === '' ? [] : members.split(','),
    durationSeconds: lease.spec?.leaseDurationSeconds ?? 0,
    acquireTime: lease.spec?.acquireTime === undefined ? undefined : new Date(lease.spec.acquireTime),
    renewTime: lease.spec?.renewTime === undefined ? undefined : new Date(lease.spec.renewTime),
    transitions: lease.spec?.leaseTransitions ?? 0,
  };
}

/** An API error as one line: status, reason and the server's message; a 401/403 is bad configuration. */
function describe(err: unknown, action: string): Error {
  if (err instanceof ApiException) {
    // client-node keeps no body for a 401.
    const body = err.code === 401 && err.body === undefined ? { reason: 'Unauthorized', message: 'the API server did not accept the token' } : parseStatus(err.body);
    const text = `cannot ${action}: HTTP ${err.code}${body.reason ? ` ${body.reason}` : ''}${body.message ? `: ${body.message}` : ''}`;
    return err.code === 401 || err.code === 403 ? new ConfigurationError(text) : new Error(text, { cause: err });
  }
  return new Error(`cannot ${action}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

function parseStatus(body: unknown): { reason?: string; message?: string } {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return { message: body.slice(0, 200) };
    }
  }
  if (typeof value !== 'object' || value === null) return {};
  const status = value as { reason?: unknown; message?: unknown };
  return {
    reason: typeof status.reason === 'string' ? status.reason : undefined,
    message: typeof status.message === 'string' ? status.message : undefined,
  };
}
