/**
 * Pure pieces of a copy-engine backfill: the container command and environment that run
 * `bucketbridge copy SRC DST` once, with remotes configured in rclone's environment convention
 * (rendered by `remote-credentials.ts`): credentials from the pod's identity (IRSA, Pod Identity,
 * the default chain) or from Kubernetes Secrets by reference, never as literals.
 */
import { remoteEnvironment, type S3RemoteSpec } from './remote-credentials';

/** A key of a Kubernetes Secret in the Job's namespace. */
export interface SecretKeyRef {
  readonly name: string;
  readonly key: string;
}

/** One side of the copy. */
export interface CopyRemote {
  /** Remote name, lowercase; becomes the `RCLONE_CONFIG_<NAME>_*` variables and `name:bucket`. */
  readonly name: string;
  readonly bucketName: string;
  /** Key prefix, copied as a directory (`name:bucket/prefix`). */
  readonly prefix: string;
  /** Provider, endpoint, region and credentials of the remote. */
  readonly spec: S3RemoteSpec;
}

/** A container env var in Kubernetes' shape. */
export type EnvVar<V = string> =
  | { readonly name: string; readonly value: V | string }
  | { readonly name: string; readonly valueFrom: { readonly secretKeyRef: SecretKeyRef } };

function remotePath(remote: CopyRemote): string {
  const prefix = remote.prefix.replace(/\/+$/, '');
  return prefix === '' ? `${remote.name}:${remote.bucketName}` : `${remote.name}:${remote.bucketName}/${prefix}`;
}

/** `args` and `env` of the copy container for `source` -> `destination`. */
export function copyContainer(source: CopyRemote, destination: CopyRemote) {
  return {
    args: ['copy', remotePath(source), remotePath(destination)],
    env: [...remoteEnvironment(source.name, source.spec), ...remoteEnvironment(destination.name, destination.spec)],
  };
}
