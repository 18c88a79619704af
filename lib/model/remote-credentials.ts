/**
 * How a workload on Kubernetes gets the credentials of one S3 remote, and the container
 * environment and ServiceAccount annotations that give them to the copy engine. The engine reads
 * the remote from `RCLONE_CONFIG_<REMOTE>_*` variables (rclone's names, see `remote-config.ts`);
 * this module only renders them, so every construct that runs the engine (CrrReplication's
 * backfill, BucketSyncPolicy, the native replicator) configures remotes the same way.
 *
 * Long-lived keys are only ever referenced (a Secret key), never rendered as literals. On EKS,
 * prefer `irsa` or `podIdentity`: the pod then holds short-lived credentials that the engine
 * refreshes before they expire.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/iam-roles-for-service-accounts.html
 * @see https://docs.aws.amazon.com/eks/latest/userguide/pod-identities.html
 * @see https://rclone.org/s3/#s3-env-auth
 */
import type { EnvVar, SecretKeyRef } from './copy-backfill';
import type { Problems } from './errors';
import { remoteEnvPrefix } from './remote-config';

/** Access keys held in a Kubernetes Secret in the workload's namespace. */
export interface SecretCredentials {
  readonly kind: 'secret';
  readonly secretName: string;
  /** @default 'AWS_ACCESS_KEY_ID' */
  readonly accessKeyIdKey?: string;
  /** @default 'AWS_SECRET_ACCESS_KEY' */
  readonly secretAccessKeyKey?: string;
  /** Key of a session token in the same Secret, for temporary keys. @default - no session token */
  readonly sessionTokenKey?: string;
}

/**
 * IAM Roles for Service Accounts: the workload's ServiceAccount carries the role's ARN and EKS
 * injects a web identity token that the engine exchanges for temporary credentials.
 */
export interface IrsaCredentials {
  readonly kind: 'irsa';
  /** ARN of the IAM role, trusted by the cluster's OIDC provider for this ServiceAccount. */
  readonly roleArn: string;
}

/**
 * EKS Pod Identity: an association (created on the AWS side, e.g. `aws.eks.PodIdentityAssociation`)
 * binds the ServiceAccount to a role; the pod's agent serves the credentials.
 */
export interface PodIdentityCredentials {
  readonly kind: 'podIdentity';
}

/** Whatever the pod's environment provides to the AWS SDK's default credential chain. */
export interface EnvironmentCredentials {
  readonly kind: 'environment';
}

export type RemoteCredentials = SecretCredentials | IrsaCredentials | PodIdentityCredentials | EnvironmentCredentials;

/** A role assumed on top of the base credentials, e.g. to write into another account. */
export interface AssumeRole {
  readonly roleArn: string;
  /** @default 'bucketbridge-<remote>' (the engine's) */
  readonly sessionName?: string;
  /** The external id the role's trust policy demands. @default - none */
  readonly externalId?: string;
}

/** One S3 remote as a construct renders it for the engine. */
export interface S3RemoteSpec {
  /** rclone provider: `AWS`, `Ceph`, `Other`, ... @default 'Other' */
  readonly provider?: string;
  /** @default - AWS's public endpoint for `region` (provider `AWS` only) */
  readonly endpoint?: string;
  /** @default 'us-east-1' */
  readonly region?: string;
  readonly credentials: RemoteCredentials;
  /** @default - the base credentials are used as they are */
  readonly assumeRole?: AssumeRole;
  /**
   * Path-style addressing (`<endpoint>/<bucket>/<key>`), e.g. for an S3-compatible stand-in at a
   * custom endpoint with provider `AWS`.
   * @default - path style for every provider except `AWS`
   */
  readonly forcePathStyle?: boolean;
}

/** An IAM role ARN; Ceph RGW's roles have no account (`arn:aws:iam:::role/<name>`). */
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12})?:role\/[\w+=,.@\/-]{1,512}$/;
const SECRET_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** The annotation IRSA's webhook reads on a ServiceAccount. */
export const IRSA_ROLE_ANNOTATION = 'eks.amazonaws.com/role-arn';

/**
 * The container environment for remote `remote`: `RCLONE_CONFIG_<REMOTE>_TYPE`, provider,
 * endpoint and region as values; keys as Secret references; `ENV_AUTH=true` for IRSA, Pod
 * Identity and the default chain; `ROLE_ARN` (+ session name, external id) to assume a role.
 */
export function remoteEnvironment(remote: string, spec: S3RemoteSpec): EnvVar[] {
  const prefix = remoteEnvPrefix(remote);
  const value = (field: string, v: string): EnvVar => ({ name: prefix + field, value: v });
  const secret = (field: string, ref: SecretKeyRef): EnvVar => ({ name: prefix + field, valueFrom: { secretKeyRef: ref } });
  const env: EnvVar[] = [value('TYPE', 's3'), value('PROVIDER', spec.provider ?? 'Other')];
  if (spec.endpoint !== undefined) env.push(value('ENDPOINT', spec.endpoint));
  env.push(value('REGION', spec.region ?? 'us-east-1'));
  if (spec.forcePathStyle !== undefined) env.push(value('FORCE_PATH_STYLE', String(spec.forcePathStyle)));
  const credentials = spec.credentials;
  if (credentials.kind === 'secret') {
    const name = credentials.secretName;
    env.push(secret('ACCESS_KEY_ID', { name, key: credentials.accessKeyIdKey ?? 'AWS_ACCESS_KEY_ID' }));
    env.push(secret('SECRET_ACCESS_KEY', { name, key: credentials.secretAccessKeyKey ?? 'AWS_SECRET_ACCESS_KEY' }));
    if (credentials.sessionTokenKey !== undefined) env.push(secret('SESSION_TOKEN', { name, key: credentials.sessionTokenKey }));
  } else {
    env.push(value('ENV_AUTH', 'true'));
  }
  const role = spec.assumeRole;
  if (role !== undefined) {
    env.push(value('ROLE_ARN', role.roleArn));
    if (role.sessionName !== undefined) env.push(value('ROLE_SESSION_NAME', role.sessionName));
    if (role.externalId !== undefined) env.push(value('ROLE_EXTERNAL_ID', role.externalId));
  }
  return env;
}

/**
 * Annotations the workload's ServiceAccount needs for these remotes' credentials. Two remotes
 * asking for different IRSA roles cannot share one ServiceAccount: `validateRemotes` reports it.
 */
export function serviceAccountAnnotations(specs: readonly S3RemoteSpec[]): Record<string, string> {
  const irsa = specs.map((s) => s.credentials).find((c): c is IrsaCredentials => c.kind === 'irsa');
  return irsa === undefined ? {} : { [IRSA_ROLE_ANNOTATION]: irsa.roleArn };
}

/** Whether the workload needs the Kubernetes API token mounted for its cloud identity. */
export function needsServiceAccountToken(specs: readonly S3RemoteSpec[]): boolean {
  return specs.some((s) => s.credentials.kind === 'irsa' || s.credentials.kind === 'podIdentity');
}

/**
 * Checks one remote's spec, recording problems under `prop` (e.g. `source` -> `source.credentials.roleArn`).
 */
export function validateRemote(problems: Problems, prop: string, spec: S3RemoteSpec): void {
  const provider = spec.provider ?? 'Other';
  problems.check(
    spec.endpoint !== undefined || provider.toLowerCase() === 'aws',
    `${prop}.endpoint`,
    `is required unless provider is 'AWS' (provider is '${provider}')`,
    spec.endpoint,
  );
  const credentials = spec.credentials;
  switch (credentials.kind) {
    case 'secret':
      problems.check(SECRET_NAME.test(credentials.secretName), `${prop}.credentials.secretName`, 'must be a Kubernetes Secret name', credentials.secretName);
      break;
    case 'irsa':
      problems.check(ROLE_ARN.test(credentials.roleArn), `${prop}.credentials.roleArn`, 'must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)', credentials.roleArn);
      break;
    case 'podIdentity':
    case 'environment':
      break;
    default:
      problems.add(`${prop}.credentials.kind`, "must be one of 'secret', 'irsa', 'podIdentity', 'environment'", (credentials as { kind: unknown }).kind);
  }
  if (spec.assumeRole !== undefined) {
    problems.check(ROLE_ARN.test(spec.assumeRole.roleArn), `${prop}.assumeRole.roleArn`, 'must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)', spec.assumeRole.roleArn);
  }
}

/**
 * Checks every remote of one workload (`props` maps prop names to specs) and that they can share
 * one ServiceAccount: at most one IRSA role among them.
 */
export function validateRemotes(problems: Problems, remotes: Readonly<Record<string, S3RemoteSpec>>): void {
  for (const [prop, spec] of Object.entries(remotes)) validateRemote(problems, prop, spec);
  const roles = new Set(
    Object.values(remotes)
      .map((s) => s.credentials)
      .filter((c): c is IrsaCredentials => c.kind === 'irsa')
      .map((c) => c.roleArn),
  );
  problems.check(
    roles.size <= 1,
    Object.keys(remotes).join(', '),
    'must use at most one IRSA role between them (one ServiceAccount); assume a second role with assumeRole instead',
    [...roles],
  );
}
