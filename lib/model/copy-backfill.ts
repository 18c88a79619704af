/**
 * Pure pieces of a copy-engine backfill: the container command and environment that run
 * `bucketbridge copy SRC DST` once, with remotes configured in rclone's environment convention
 * and credentials taken from Kubernetes Secrets by reference, never as literals.
 */

/** A key of a Kubernetes Secret in the Job's namespace. */
export interface SecretKeyRef {
  readonly name: string;
  readonly key: string;
}

/** One side of the copy. */
export interface CopyRemote<V = string> {
  /** Remote name, lowercase; becomes the `RCLONE_CONFIG_<NAME>_*` variables and `name:bucket`. */
  readonly name: string;
  readonly bucketName: string;
  /** Key prefix, copied as a directory (`name:bucket/prefix`). */
  readonly prefix: string;
  readonly region: V;
  readonly accessKeyId: SecretKeyRef;
  readonly secretAccessKey: SecretKeyRef;
}

/** A container env var in Kubernetes' shape. */
export type EnvVar<V = string> =
  | { readonly name: string; readonly value: V | string }
  | { readonly name: string; readonly valueFrom: { readonly secretKeyRef: SecretKeyRef } };

function remoteEnv<V>(remote: CopyRemote<V>): EnvVar<V>[] {
  const prefix = `RCLONE_CONFIG_${remote.name.toUpperCase()}`;
  return [
    { name: `${prefix}_TYPE`, value: 's3' },
    { name: `${prefix}_PROVIDER`, value: 'AWS' },
    { name: `${prefix}_REGION`, value: remote.region },
    { name: `${prefix}_ACCESS_KEY_ID`, valueFrom: { secretKeyRef: remote.accessKeyId } },
    { name: `${prefix}_SECRET_ACCESS_KEY`, valueFrom: { secretKeyRef: remote.secretAccessKey } },
  ];
}

function remotePath(remote: CopyRemote<unknown>): string {
  const prefix = remote.prefix.replace(/\/+$/, '');
  return prefix === '' ? `${remote.name}:${remote.bucketName}` : `${remote.name}:${remote.bucketName}/${prefix}`;
}

/** `args` and `env` of the copy container for `source` -> `destination`. */
export function copyContainer<V>(source: CopyRemote<V>, destination: CopyRemote<V>) {
  return {
    args: ['copy', remotePath(source), remotePath(destination)],
    env: [...remoteEnv(source), ...remoteEnv(destination)],
  };
}
