import { createHash } from 'node:crypto';
import { Problems } from './errors';

/**
 * Pure model of AWS S3 Cross-Region Replication: props, validation, resolved defaults, and the
 * wire documents (replication rules, IAM policies, bucket policy, alarm specs) that the Pulumi
 * component renders. No Pulumi or AWS SDK imports: values that may be computed at deploy time
 * (ARNs, account ids, regions) are a type parameter `V`, so the component passes
 * `pulumi.Input<string>` and tests pass plain strings.
 */

/**
 * Storage classes a replica can be written in.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_Destination.html
 */
export type ReplicationStorageClass =
  | 'STANDARD'
  | 'REDUCED_REDUNDANCY'
  | 'STANDARD_IA'
  | 'ONEZONE_IA'
  | 'INTELLIGENT_TIERING'
  | 'GLACIER'
  | 'DEEP_ARCHIVE'
  | 'GLACIER_IR';

const STORAGE_CLASSES: readonly string[] = [
  'STANDARD',
  'REDUCED_REDUNDANCY',
  'STANDARD_IA',
  'ONEZONE_IA',
  'INTELLIGENT_TIERING',
  'GLACIER',
  'DEEP_ARCHIVE',
  'GLACIER_IR',
];

/** Versioning state of a bucket, in S3's words; `Disabled` is a bucket that was never versioned. */
export type VersioningStatus = 'Enabled' | 'Suspended' | 'Disabled';

/** The only replication time S3 Replication Time Control offers. */
export const RTC_MINUTES = 15;

/** One replication rule. Every rule uses the V2 (`Filter`) form. */
export interface CrrRuleProps<V = string> {
  /**
   * Rule id, unique within the replication configuration; also the `RuleId` dimension of the
   * replication metrics and alarms, so renaming it is a breaking change.
   * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_ReplicationRule.html
   */
  readonly id: string;
  /**
   * Priority, unique within the configuration; when rules overlap, the higher number wins.
   * @default - the lowest priority no other rule claims, in the order of `rules` (0, 1, 2, ...)
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-add-config.html
   */
  readonly priority?: number;
  /**
   * Name of the destination bucket this rule replicates to, one of `destinations[].bucketName`.
   * @default - the only destination; required when there are several
   */
  readonly destination?: string;
  /**
   * Key prefix the rule applies to.
   * @default - every object (`Filter.Prefix` "")
   * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_ReplicationRuleFilter.html
   */
  readonly prefix?: string;
  /**
   * Object tags the rule applies to (all must match).
   * @default - no tag filter
   * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_ReplicationRuleAndOperator.html
   */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * Replicate delete markers. S3 rejects delete-marker replication on tag-filtered rules.
   * @default - true, or false when `tags` is set
   * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteMarkerReplication.html
   */
  readonly deleteMarkerReplication?: boolean;
  /**
   * Storage class of the replicas.
   * @default - the storage class of the source object
   * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_Destination.html
   */
  readonly storageClass?: ReplicationStorageClass;
  /**
   * Replicate metadata changes made on replicas (tags, ACLs, Object Lock) back to their source;
   * what keeps a two-way pair in sync.
   * @default - true when `twoWay` is set, otherwise false
   * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_ReplicaModifications.html
   */
  readonly replicaModifications?: boolean;
  /**
   * Replicate objects encrypted with SSE-KMS. Needs the source key (`source.kmsKeyArn`) and a
   * replica key (`replicaKmsKeyArn` or the destination's `kmsKeyArn`).
   * @default - true when `source.kmsKeyArn` is set, otherwise false
   * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_SseKmsEncryptedObjects.html
   */
  readonly sseKmsEncryptedObjects?: boolean;
  /**
   * KMS key ARN the replicas are encrypted with, in the destination's region.
   * @default - the destination's `kmsKeyArn`
   * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_EncryptionConfiguration.html
   */
  readonly replicaKmsKeyArn?: V;
  /**
   * Publish replication metrics (`ReplicationLatency`, `OperationsFailedReplication`, ...) for the
   * rule. Independent of RTC; the alarms need it.
   * @default true
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/repl-metrics.html
   */
  readonly metrics?: boolean;
  /**
   * S3 Replication Time Control (paid SLA). Setting it enables RTC and the 15-minute
   * `OperationMissedThreshold` event; it also turns metrics on, which RTC requires.
   * @default - RTC is off
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-time-control.html
   */
  readonly replicationTimeControl?: { readonly minutes?: number };
  /**
   * Whether the rule is enabled.
   * @default true
   */
  readonly enabled?: boolean;
}

/** What the model needs to know about a bucket (the component adds the provider). */
export interface CrrBucketProps<V = string> {
  /**
   * Bucket name (S3's `Bucket`). Created with this exact name, or adopted by it. May be a value
   * known only at deploy time (a Pulumi `Input`); then `id` is required.
   */
  readonly bucketName: V | string;
  /**
   * Stable id of the bucket within the replication: it names the bucket's Pulumi resources and
   * rules refer to a destination by it. Renaming it is a breaking change.
   * @default - the bucket name; required when the name is not a plain string
   */
  readonly id?: string;
  /**
   * Adopt an existing bucket instead of creating it. An adopted bucket's versioning, encryption,
   * public access block and policy are left as they are.
   * @default false
   */
  readonly adopt?: boolean;
  /**
   * Confirms that this component may replace the adopted bucket's replication configuration.
   * S3 keeps ONE replication configuration per bucket: putting this component's rules DELETES
   * every rule the bucket already has (and `pulumi destroy` deletes the whole configuration).
   * Required for an adopted source, and for the adopted destination of a two-way pair (the
   * reverse direction replicates from it). Merge existing rules into `rules` instead if you need
   * them.
   * @default false
   * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketReplication.html
   */
  readonly replaceExistingRules?: boolean;
  /**
   * Server-side encryption with the bucket's KMS key: SSE-KMS or dual-layer DSSE-KMS. For a
   * created bucket it is its default encryption; for an adopted one it declares what the
   * source's objects are encrypted with (DSSE-KMS replication needs `kms:GenerateDataKey` on the
   * replica key).
   * @default 'aws:kms' when `kmsKeyArn` is set
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingDSSEncryption.html
   */
  readonly sseAlgorithm?: 'aws:kms' | 'aws:kms:dsse';
  /**
   * S3 Bucket Keys: turned on for a created SSE-KMS bucket (far fewer KMS requests); declared
   * for an adopted one. With Bucket Keys, S3 uses the bucket ARN instead of the object ARN as
   * KMS encryption context and calls `kms:Decrypt` on the replica key, so the replication role's
   * policy allows both. Not supported with DSSE-KMS.
   * @default - true for a created bucket with `kmsKeyArn` and SSE-KMS, otherwise false
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html
   */
  readonly bucketKeyEnabled?: boolean;
  /**
   * S3 Object Lock: enabled on a created bucket, declared for an adopted one. When the source
   * uses it, retention and legal hold are replicated (the role may read them) and every
   * destination must use it too.
   * @default false
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-managing.html#object-lock-managing-replication
   */
  readonly objectLock?: boolean;
  /**
   * Versioning state of an adopted bucket, as declared by you. Replication needs `Enabled` on
   * both sides; this component does not switch versioning on for a bucket it does not own,
   * because removing the component would then suspend it.
   * @default 'Enabled'
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-requirements.html
   */
  readonly versioning?: VersioningStatus;
  /**
   * KMS key ARN of the bucket's SSE-KMS default encryption. For a created bucket it becomes its
   * default encryption; for an adopted one it declares it.
   * @default - SSE-S3 (AES256) for a created bucket; no KMS for an adopted one
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-config-for-kms-objects.html
   */
  readonly kmsKeyArn?: V;
}

/** A destination bucket. */
export interface CrrDestinationProps<V = string> extends CrrBucketProps<V> {
  /**
   * AWS account id owning the destination bucket, when it is not the source's account. Turns on
   * the cross-account setup: `Destination.Account`, owner override, and a destination bucket
   * policy for the replication role.
   * @default - same account as the source
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-walkthrough-2.html
   */
  readonly accountId?: string;
  /**
   * Make the destination account own the replicas (`AccessControlTranslation.Owner`
   * `Destination`, plus `s3:ObjectOwnerOverrideToBucketOwner`). Only with `accountId`.
   * @default - true when `accountId` is set
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-change-owner.html
   */
  readonly ownerOverride?: boolean;
  /**
   * Attach the bucket policy that lets the source's replication role replicate into this bucket
   * (cross-account only). S3 keeps one policy per bucket, so this replaces an adopted bucket's
   * policy; for an adopted bucket, merge the `destinationPolicies` output into its policy instead.
   * @default - true for a created bucket, false for an adopted one
   */
  readonly bucketPolicy?: boolean;
}

/** The source bucket. */
export interface CrrSourceProps<V = string> extends CrrBucketProps<V> {
  /**
   * AWS account id owning the source bucket. Needed only for a two-way pair across accounts,
   * where the source is the reverse direction's destination.
   * @default - not needed
   */
  readonly accountId?: string;
}

/** The replication as a whole, without providers or Pulumi resources. */
export interface CrrProps<V = string> {
  readonly source: CrrSourceProps<V>;
  readonly destinations: readonly CrrDestinationProps<V>[];
  readonly rules: readonly CrrRuleProps<V>[];
  /**
   * Also replicate destination -> source, with the same rules and replica modification sync,
   * making the pair active-active. Needs exactly one destination.
   * @default false
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-for-metadata-changes.html
   */
  readonly twoWay?: boolean;
}

/** A bucket with defaults resolved. */
export interface ResolvedBucket<V> {
  /** Stable id: names resources, referenced by rules. */
  readonly key: string;
  readonly bucketName: V | string;
  readonly adopt: boolean;
  readonly bucketKey: boolean;
  readonly dsse: boolean;
  readonly objectLock: boolean;
  readonly kmsKeyArn: V | undefined;
  /** Destination account id when cross-account, else undefined. */
  readonly accountId: string | undefined;
  readonly ownerOverride: boolean;
  readonly bucketPolicy: boolean;
}

/** A rule with defaults resolved, pointing at its destination. */
export interface ResolvedRule<V> {
  readonly id: string;
  readonly priority: number;
  /** `key` of the destination bucket. */
  readonly destination: string;
  readonly prefix: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly deleteMarkerReplication: boolean;
  readonly storageClass: ReplicationStorageClass | undefined;
  readonly replicaModifications: boolean;
  readonly sseKmsEncryptedObjects: boolean;
  readonly replicaKmsKeyArn: V | undefined;
  readonly metrics: boolean;
  readonly replicationTimeControl: boolean;
  readonly enabled: boolean;
}

export interface ResolvedCrr<V> {
  readonly source: ResolvedBucket<V>;
  /** Declared account of the source bucket (two-way across accounts). */
  readonly sourceAccountId: string | undefined;
  readonly destinations: readonly ResolvedBucket<V>[];
  readonly rules: readonly ResolvedRule<V>[];
  readonly twoWay: boolean;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const ACCOUNT_ID = /^\d{12}$/;

/** Whether `name` is a valid S3 bucket name (3-63 lowercase letters, digits, dots, hyphens). */
export function isBucketName(name: string): boolean {
  return BUCKET_NAME.test(name);
}

/** The bucket's stable id: `id`, else its name when that is a plain string. */
function bucketKey(bucket: CrrBucketProps<unknown>): string | undefined {
  return bucket.id ?? (typeof bucket.bucketName === 'string' ? bucket.bucketName : undefined);
}

function checkBucket(problems: Problems, prop: string, bucket: CrrBucketProps<unknown>): void {
  if (typeof bucket.bucketName === 'string') {
    problems.check(
      isBucketName(bucket.bucketName),
      `${prop}.bucketName`,
      'must be an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)',
      bucket.bucketName,
    );
  } else {
    problems.check(
      bucket.id !== undefined,
      `${prop}.id`,
      "is required when bucketName is not a plain string: it names the bucket's resources and rules refer to it",
      bucket.id,
    );
  }
  if (bucket.id !== undefined) {
    problems.check(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(bucket.id), `${prop}.id`, 'must be 1-63 letters, digits, dots, hyphens or underscores', bucket.id);
  }
  const sseAlgorithm = bucket.sseAlgorithm;
  if (sseAlgorithm !== undefined) {
    problems.check(bucket.kmsKeyArn !== undefined, `${prop}.sseAlgorithm`, 'needs kmsKeyArn', sseAlgorithm);
  }
  if (bucket.bucketKeyEnabled === true) {
    problems.check(bucket.kmsKeyArn !== undefined, `${prop}.bucketKeyEnabled`, 'needs kmsKeyArn: S3 Bucket Keys only apply to SSE-KMS', true);
    problems.check(
      sseAlgorithm !== 'aws:kms:dsse',
      `${prop}.bucketKeyEnabled`,
      "must be false with sseAlgorithm 'aws:kms:dsse': S3 Bucket Keys are not supported for DSSE-KMS",
      true,
    );
  }
  const versioning = bucket.versioning ?? 'Enabled';
  problems.check(
    versioning === 'Enabled',
    `${prop}.versioning`,
    bucket.adopt
      ? "must be 'Enabled': replication requires versioning on both buckets, and this component does not change the versioning of a bucket it adopts"
      : "must be 'Enabled': replication requires versioning on both buckets",
    versioning,
  );
}

/**
 * Checks the props, gathering every problem (after any the caller already found in `problems`),
 * and resolves defaults.
 * @throws ValidationError naming the path and each offending prop.
 */
export function resolveCrr<V>(problems: Problems, props: CrrProps<V>): ResolvedCrr<V> {
  const twoWay = props.twoWay ?? false;

  checkBucket(problems, 'source', props.source);
  const replaceRule =
    'must be true to adopt a source bucket: S3 keeps one replication configuration per bucket and this component replaces it, deleting every rule it does not declare';
  if (props.source.adopt === true) {
    problems.check(props.source.replaceExistingRules === true, 'source.replaceExistingRules', replaceRule, props.source.replaceExistingRules);
  }
  if (props.source.accountId !== undefined) {
    problems.check(ACCOUNT_ID.test(props.source.accountId), 'source.accountId', 'must be a 12-digit AWS account id', props.source.accountId);
  }
  problems.check(props.destinations.length > 0, 'destinations', 'must name at least one bucket', props.destinations);
  problems.check(
    !twoWay || props.destinations.length === 1,
    'twoWay',
    'needs exactly one destination (a two-way pair)',
    props.destinations.map((d) => d.bucketName),
  );
  const keys = new Set<string | undefined>([bucketKey(props.source)]);
  props.destinations.forEach((d, i) => {
    const prop = `destinations[${i}]`;
    checkBucket(problems, prop, d);
    const key = bucketKey(d);
    if (key !== undefined) {
      problems.check(!keys.has(key), d.id === undefined ? `${prop}.bucketName` : `${prop}.id`, 'must differ from the source and other destinations', key);
    }
    keys.add(key);
    if (twoWay && d.adopt === true) {
      problems.check(d.replaceExistingRules === true, `${prop}.replaceExistingRules`, replaceRule, d.replaceExistingRules);
    }
    if (props.source.objectLock === true) {
      problems.check(
        d.objectLock === true,
        `${prop}.objectLock`,
        'must be true when the source uses Object Lock: S3 replicates locked objects only into a bucket with Object Lock enabled',
        d.objectLock,
      );
    }
    if (twoWay && d.objectLock === true) {
      problems.check(
        props.source.objectLock === true,
        'source.objectLock',
        'must be true when the destination of a two-way pair uses Object Lock: the reverse direction replicates locked objects into it',
        props.source.objectLock,
      );
    }
    if (d.accountId !== undefined) {
      problems.check(ACCOUNT_ID.test(d.accountId), `${prop}.accountId`, 'must be a 12-digit AWS account id', d.accountId);
    }
    problems.check(
      d.ownerOverride !== true || d.accountId !== undefined,
      `${prop}.ownerOverride`,
      'needs accountId: owner override only applies to a destination in another account',
      d.ownerOverride,
    );
    problems.check(
      d.bucketPolicy !== true || d.accountId !== undefined,
      `${prop}.bucketPolicy`,
      'needs accountId: the replication role is authorised by its own account when both buckets share it',
      d.bucketPolicy,
    );
    if (twoWay && d.accountId !== undefined) {
      problems.check(
        props.source.accountId !== undefined,
        'source.accountId',
        'is required for a two-way pair across accounts: it is the reverse direction\'s destination account',
        props.source.accountId,
      );
    }
    if (twoWay) {
      problems.check(
        (props.source.kmsKeyArn === undefined) === (d.kmsKeyArn === undefined),
        `${prop}.kmsKeyArn`,
        'must be set on both buckets or neither when twoWay is set, since each side replicates the other',
        d.kmsKeyArn === undefined ? 'undefined' : 'set',
      );
    }
  });

  problems.check(props.rules.length > 0, 'rules', 'must contain at least one rule', props.rules);
  const ids = new Map<string, number>();
  const priorities = new Map<number, number>();
  const destinationNames = props.destinations.map((d) => bucketKey(d) ?? '');
  const rules: ResolvedRule<V>[] = [];
  const claimed = new Set(props.rules.flatMap((r) => (r.priority === undefined ? [] : [r.priority])));
  let nextPriority = 0;
  const defaultPriority = (): number => {
    while (claimed.has(nextPriority)) nextPriority += 1;
    claimed.add(nextPriority);
    return nextPriority;
  };

  props.rules.forEach((rule, i) => {
    const prop = `rules[${i}]`;
    problems.check(
      rule.id.length > 0 && rule.id.length <= 255,
      `${prop}.id`,
      'must be 1-255 characters',
      rule.id,
    );
    const sameId = ids.get(rule.id);
    problems.check(sameId === undefined, `${prop}.id`, `must be unique, rules[${sameId}] has it too`, rule.id);
    ids.set(rule.id, i);

    const priority = rule.priority ?? defaultPriority();
    if (problems.check(Number.isInteger(priority) && priority >= 0, `${prop}.priority`, 'must be a non-negative integer', priority)) {
      const samePriority = priorities.get(priority);
      problems.check(
        samePriority === undefined,
        `${prop}.priority`,
        `must be unique, rules[${samePriority}] has it too`,
        priority,
      );
      priorities.set(priority, i);
    }

    const destination = rule.destination ?? (destinationNames.length === 1 ? destinationNames[0] : undefined);
    problems.check(
      destination !== undefined && destinationNames.includes(destination),
      `${prop}.destination`,
      `must name one of the destinations (${destinationNames.join(', ')})`,
      rule.destination,
    );
    const dest = props.destinations.find((d) => bucketKey(d) === destination);

    const tags = rule.tags ?? {};
    const hasTags = Object.keys(tags).length > 0;
    problems.check(
      !(hasTags && rule.deleteMarkerReplication === true),
      `${prop}.deleteMarkerReplication`,
      'must be false when tags are set: S3 does not replicate delete markers for tag-filtered rules',
      rule.deleteMarkerReplication,
    );
    if (rule.storageClass !== undefined) {
      problems.check(
        STORAGE_CLASSES.includes(rule.storageClass),
        `${prop}.storageClass`,
        `must be one of ${STORAGE_CLASSES.join(', ')}`,
        rule.storageClass,
      );
    }
    if (rule.replicationTimeControl !== undefined) {
      const minutes = rule.replicationTimeControl.minutes ?? RTC_MINUTES;
      problems.check(
        minutes === RTC_MINUTES,
        `${prop}.replicationTimeControl.minutes`,
        `must be ${RTC_MINUTES}, the only time S3 RTC offers`,
        minutes,
      );
    }
    problems.check(
      !(rule.replicationTimeControl !== undefined && rule.metrics === false),
      `${prop}.metrics`,
      'must not be false with replicationTimeControl: S3 RTC requires replication metrics',
      rule.metrics,
    );

    const sseKms = rule.sseKmsEncryptedObjects ?? props.source.kmsKeyArn !== undefined;
    const replicaKmsKeyArn = rule.replicaKmsKeyArn ?? dest?.kmsKeyArn;
    if (sseKms) {
      problems.check(
        replicaKmsKeyArn !== undefined,
        `${prop}.replicaKmsKeyArn`,
        `is required to replicate SSE-KMS objects (or set kmsKeyArn on destination '${destination}')`,
        rule.replicaKmsKeyArn,
      );
      problems.check(
        props.source.kmsKeyArn !== undefined,
        'source.kmsKeyArn',
        `is required when rules[${i}] replicates SSE-KMS objects: the replication role needs kms:Decrypt on it`,
        props.source.kmsKeyArn,
      );
    } else {
      problems.check(
        rule.replicaKmsKeyArn === undefined,
        `${prop}.replicaKmsKeyArn`,
        'needs sseKmsEncryptedObjects: a replica key only applies to SSE-KMS objects',
        'set',
      );
    }

    rules.push({
      id: rule.id,
      priority,
      destination: destination ?? '',
      prefix: rule.prefix ?? '',
      tags,
      deleteMarkerReplication: rule.deleteMarkerReplication ?? !hasTags,
      storageClass: rule.storageClass,
      replicaModifications: rule.replicaModifications ?? twoWay,
      sseKmsEncryptedObjects: sseKms,
      replicaKmsKeyArn: sseKms ? replicaKmsKeyArn : undefined,
      metrics: rule.metrics ?? true,
      replicationTimeControl: rule.replicationTimeControl !== undefined,
      enabled: rule.enabled ?? true,
    });
  });

  problems.throwIfAny();

  const resolveBucket = (b: CrrBucketProps<V> & Partial<CrrDestinationProps<V>>): ResolvedBucket<V> => ({
    key: bucketKey(b) ?? '',
    bucketName: b.bucketName,
    adopt: b.adopt ?? false,
    bucketKey: b.kmsKeyArn !== undefined && (b.bucketKeyEnabled ?? (!(b.adopt ?? false) && b.sseAlgorithm !== 'aws:kms:dsse')),
    dsse: b.kmsKeyArn !== undefined && b.sseAlgorithm === 'aws:kms:dsse',
    objectLock: b.objectLock ?? false,
    kmsKeyArn: b.kmsKeyArn,
    accountId: b.accountId,
    ownerOverride: b.accountId !== undefined && (b.ownerOverride ?? true),
    bucketPolicy: b.accountId !== undefined && (b.bucketPolicy ?? !(b.adopt ?? false)),
  });

  return {
    source: resolveBucket({ ...props.source, accountId: undefined }),
    sourceAccountId: props.source.accountId,
    destinations: props.destinations.map(resolveBucket),
    rules,
    twoWay,
  };
}

/**
 * The reverse direction of a two-way pair: the same rules, replicating the single destination
 * back into the source with the source's own KMS key. Cross-account settings mirror too: the
 * reverse destination (the original source) lives in the declared `source.accountId`.
 */
export function reverseCrr<V>(crr: ResolvedCrr<V>): ResolvedCrr<V> {
  const [destination] = crr.destinations;
  if (destination === undefined || !crr.twoWay) {
    throw new Error('reverseCrr needs a resolved two-way replication with one destination');
  }
  const crossAccount = destination.accountId !== undefined;
  const reversedSource: ResolvedBucket<V> = {
    ...crr.source,
    accountId: crossAccount ? crr.sourceAccountId : undefined,
    ownerOverride: crossAccount && destination.ownerOverride,
    bucketPolicy: crossAccount && !crr.source.adopt,
  };
  return {
    source: { ...destination, accountId: undefined, ownerOverride: false, bucketPolicy: false },
    sourceAccountId: destination.accountId,
    destinations: [reversedSource],
    rules: crr.rules.map((r) => ({
      ...r,
      destination: crr.source.key,
      replicaKmsKeyArn: r.sseKmsEncryptedObjects ? crr.source.kmsKeyArn : undefined,
    })),
    twoWay: true,
  };
}

/** S3 bucket ARN from a bucket name. */
export function bucketArn(partition: string, bucketName: string): string {
  return `arn:${partition}:s3:::${bucketName}`;
}

const enabled = (on: boolean): { status: 'Enabled' | 'Disabled' } => ({ status: on ? 'Enabled' : 'Disabled' });

/**
 * Replication rules in the shape of pulumi-aws `s3.BucketReplicationConfig` `rules`, always the
 * V2 form: an explicit `filter` (prefix "" for all objects, which survives serialization where an
 * empty filter block may not), an explicit `deleteMarkerReplication` status, and metrics without
 * an event threshold unless RTC is on (S3 rejects a threshold without RTC).
 */
export function renderReplicationRules<V>(crr: ResolvedCrr<V>, partition: string) {
  return crr.rules.map((rule) => {
    const destination = crr.destinations.find((d) => d.key === rule.destination);
    if (destination === undefined) throw new Error(`rule ${rule.id} names no resolved destination`);
    const tagEntries = Object.entries(rule.tags);
    const [onlyTag] = tagEntries;
    const filter =
      tagEntries.length === 0
        ? { prefix: rule.prefix }
        : tagEntries.length === 1 && rule.prefix === '' && onlyTag !== undefined
          ? { tag: { key: onlyTag[0], value: onlyTag[1] } }
          : { and: { prefix: rule.prefix === '' ? undefined : rule.prefix, tags: { ...rule.tags } } };
    return {
      id: rule.id,
      priority: rule.priority,
      status: rule.enabled ? 'Enabled' : 'Disabled',
      filter,
      deleteMarkerReplication: enabled(rule.deleteMarkerReplication),
      sourceSelectionCriteria:
        rule.replicaModifications || rule.sseKmsEncryptedObjects
          ? {
              replicaModifications: rule.replicaModifications ? enabled(true) : undefined,
              sseKmsEncryptedObjects: rule.sseKmsEncryptedObjects ? enabled(true) : undefined,
            }
          : undefined,
      destination: {
        bucket: bucketArn(partition, nameOf(destination)),
        storageClass: rule.storageClass,
        account: destination.accountId,
        accessControlTranslation: destination.ownerOverride ? { owner: 'Destination' } : undefined,
        encryptionConfiguration:
          rule.replicaKmsKeyArn !== undefined ? { replicaKmsKeyId: rule.replicaKmsKeyArn } : undefined,
        metrics:
          rule.metrics || rule.replicationTimeControl
            ? {
                status: 'Enabled',
                eventThreshold: rule.replicationTimeControl ? { minutes: RTC_MINUTES } : undefined,
              }
            : undefined,
        replicationTime: rule.replicationTimeControl
          ? { status: 'Enabled', time: { minutes: RTC_MINUTES } }
          : undefined,
      },
    };
  });
}

/** An IAM policy statement; `V` lets resources and principals be deploy-time values. */
export interface PolicyStatement<V = string> {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: { readonly Service?: string; readonly AWS?: V };
  readonly Action: string | readonly string[];
  readonly Resource?: V | readonly V[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, V | readonly V[]>>>>;
}

export interface PolicyDocument<V = string> {
  readonly Version: '2012-10-17';
  readonly Statement: readonly PolicyStatement<V>[];
}

/** Trust policy letting one AWS service assume a role. */
export function serviceTrustPolicy(service: 's3.amazonaws.com' | 'batchoperations.s3.amazonaws.com'): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
  };
}

/** Object actions the replication role performs on a destination. */
export function replicateActions(ownerOverride: boolean): string[] {
  const actions = ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'];
  return ownerOverride ? [...actions, 's3:ObjectOwnerOverrideToBucketOwner'] : actions;
}

/**
 * The `kms:ViaService` value of each side, `s3.<region>.amazonaws.com`, so KMS use is limited to
 * S3 in that side's region. Deploy-time values when regions come from the providers.
 */
export interface KmsViaServices<V> {
  readonly source: V;
  /** By destination bucket name. */
  readonly destinations: Readonly<Record<string, V>>;
}

/** `kms:ViaService` value for S3 in a region. */
export function s3ViaService(region: string): string {
  return `s3.${region}.amazonaws.com`;
}

/** The name of a resolved bucket, which must be known by now (render inside `apply`). */
function nameOf(bucket: ResolvedBucket<unknown>): string {
  if (typeof bucket.bucketName !== 'string') throw new Error(`the name of bucket ${bucket.key} is not known yet`);
  return bucket.bucketName;
}

/**
 * Values of `kms:EncryptionContext:aws:s3:arn` S3 uses for a bucket's objects: the object ARN,
 * and with S3 Bucket Keys the bucket ARN (objects written before Bucket Keys keep the former).
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html#bucket-key-replication
 */
function encryptionContexts(arn: string, bucketKeys: boolean): string[] {
  return bucketKeys ? [`${arn}/*`, arn] : [`${arn}/*`];
}

/**
 * KMS actions on a replica key: encrypt; `kms:GenerateDataKey` when the source holds DSSE-KMS
 * objects (dual-layer encryption generates a data key); `kms:Decrypt` when the destination uses
 * S3 Bucket Keys (S3 verifies the bucket key before using it).
 */
function replicaKeyActions(source: ResolvedBucket<unknown>, destination: ResolvedBucket<unknown>): string[] {
  return [
    'kms:Encrypt',
    ...(source.dsse ? ['kms:GenerateDataKey'] : []),
    ...(destination.bucketKey ? ['kms:Decrypt'] : []),
  ];
}

function single(actions: string[]): string | string[] {
  return actions.length === 1 ? (actions[0] as string) : actions;
}

function destinationOf<V>(crr: ResolvedCrr<V>, key: string): ResolvedBucket<V> {
  const destination = crr.destinations.find((d) => d.key === key);
  if (destination === undefined) throw new Error(`no resolved destination ${key}`);
  return destination;
}

/**
 * Least-privilege permission policy of the replication role for one direction: read the source's
 * replication configuration and object versions (with retention and legal hold when the source
 * uses Object Lock), replicate into each destination's objects, and, only when SSE-KMS objects
 * are replicated, decrypt with the source key and encrypt with each replica key, each through S3
 * in its own region.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/setting-repl-config-perm-overview.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-config-for-kms-objects.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-managing.html#object-lock-managing-replication
 */
export function replicationRolePolicy<V>(
  crr: ResolvedCrr<V>,
  partition: string,
  viaServices: KmsViaServices<V>,
): PolicyDocument<V | string> {
  const source = bucketArn(partition, nameOf(crr.source));
  const statements: PolicyStatement<V | string>[] = [
    {
      Sid: 'ReadSourceReplicationConfiguration',
      Effect: 'Allow',
      Action: ['s3:GetReplicationConfiguration', 's3:ListBucket'],
      Resource: [source],
    },
    {
      Sid: 'ReadSourceObjectVersions',
      Effect: 'Allow',
      Action: [
        's3:GetObjectVersionForReplication',
        's3:GetObjectVersionAcl',
        's3:GetObjectVersionTagging',
        ...(crr.source.objectLock ? ['s3:GetObjectRetention', 's3:GetObjectLegalHold'] : []),
      ],
      Resource: [`${source}/*`],
    },
  ];
  const used = crr.destinations.filter((d) => crr.rules.some((r) => r.destination === d.key));
  for (const overrides of [false, true]) {
    const group = used.filter((d) => d.ownerOverride === overrides);
    if (group.length > 0) {
      statements.push({
        Sid: overrides ? 'ReplicateIntoDestinationsAsOwner' : 'ReplicateIntoDestinations',
        Effect: 'Allow',
        Action: replicateActions(overrides),
        Resource: group.map((d) => `${bucketArn(partition, nameOf(d))}/*`),
      });
    }
  }
  const kmsRules = crr.rules.filter((r) => r.sseKmsEncryptedObjects);
  if (kmsRules.length > 0 && crr.source.kmsKeyArn !== undefined) {
    statements.push({
      Sid: 'DecryptSourceObjects',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: [crr.source.kmsKeyArn],
      Condition: {
        StringLike: {
          'kms:ViaService': viaServices.source,
          'kms:EncryptionContext:aws:s3:arn': encryptionContexts(source, crr.source.bucketKey),
        },
      },
    });
  }
  kmsRules.forEach((rule) => {
    if (rule.replicaKmsKeyArn === undefined) return;
    const viaService = viaServices.destinations[rule.destination];
    if (viaService === undefined) throw new Error(`no kms:ViaService given for destination ${rule.destination}`);
    const destination = destinationOf(crr, rule.destination);
    statements.push({
      Sid: `EncryptReplicas${sidSuffix(rule.id)}`,
      Effect: 'Allow',
      Action: single(replicaKeyActions(crr.source, destination)),
      Resource: [rule.replicaKmsKeyArn],
      Condition: {
        StringLike: {
          'kms:ViaService': viaService,
          'kms:EncryptionContext:aws:s3:arn': encryptionContexts(bucketArn(partition, nameOf(destination)), destination.bucketKey),
        },
      },
    });
  });
  return { Version: '2012-10-17', Statement: statements };
}

/**
 * The key-policy statement each cross-account destination's replica key needs: a KMS key in
 * another account only accepts the replication role when its own key policy names it (an IAM
 * policy in the source account is not enough). Add it to the replica key's policy in the
 * destination account. By destination `key`; destinations in the source's account, or without
 * a replica key, need none.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-config-for-kms-objects.html
 * @see https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-modifying-external-accounts.html
 */
export function replicaKeyPolicyStatements<V>(
  crr: ResolvedCrr<V>,
  partition: string,
  viaServices: KmsViaServices<V>,
  replicationRoleArn: V | string,
): Record<string, PolicyStatement<V | string>> {
  const statements: Record<string, PolicyStatement<V | string>> = {};
  for (const destination of crr.destinations) {
    if (destination.accountId === undefined) continue;
    const keyed = crr.rules.filter((r) => r.destination === destination.key && r.sseKmsEncryptedObjects && r.replicaKmsKeyArn !== undefined);
    if (keyed.length === 0) continue;
    const viaService = viaServices.destinations[destination.key];
    if (viaService === undefined) throw new Error(`no kms:ViaService given for destination ${destination.key}`);
    statements[destination.key] = {
      Sid: 'AllowSourceReplicationRoleToEncryptReplicas',
      Effect: 'Allow',
      Principal: { AWS: replicationRoleArn },
      Action: single(replicaKeyActions(crr.source, destination)),
      Resource: '*',
      Condition: {
        StringLike: {
          'kms:ViaService': viaService,
          'kms:EncryptionContext:aws:s3:arn': encryptionContexts(bucketArn(partition, nameOf(destination)), destination.bucketKey),
        },
      },
    };
  }
  return statements;
}

/** Characters IAM allows in role names. */
const IAM_NAME_CHARS = /[^\w+=,.@-]/g;
/** IAM caps `namePrefix` at 38 characters (role names at 64 with the generated 26-character suffix). */
export const IAM_NAME_PREFIX_CHARS = 38;

/**
 * An IAM role name prefix from a logical prefix: kept as it is when it fits and only uses the
 * characters IAM allows; otherwise cut, with 8 hex digits of its SHA-256 appended, so two long
 * names (a forward and a reverse role, say) stay distinct and within IAM's limit.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html#reference_iam-quotas-names
 */
export function iamNamePrefix(logical: string, maxChars = IAM_NAME_PREFIX_CHARS): string {
  const clean = logical.replace(IAM_NAME_CHARS, '-');
  if (clean === logical && logical.length <= maxChars) return logical;
  const hash = createHash('sha256').update(logical).digest('hex').slice(0, 8);
  const head = clean.slice(0, maxChars - hash.length - 2).replace(/-+$/, '');
  return `${head}-${hash}-`;
}

function sidSuffix(id: string): string {
  return id.replace(/[^A-Za-z0-9]/g, '');
}

/**
 * Destination bucket policy for cross-account replication: lets the source account's replication
 * role replicate into the bucket (and hand object ownership over, with owner override) and read
 * the bucket's versioning state, which S3 checks before replicating.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-walkthrough-2.html
 */
export function destinationBucketPolicy<V>(
  partition: string,
  destination: ResolvedBucket<V>,
  replicationRoleArn: V,
): PolicyDocument<V | string> {
  const arn = bucketArn(partition, nameOf(destination));
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AllowReplicationRoleToReplicate',
        Effect: 'Allow',
        Principal: { AWS: replicationRoleArn },
        Action: replicateActions(destination.ownerOverride),
        Resource: [`${arn}/*`],
      },
      {
        Sid: 'AllowReplicationRoleToReadVersioning',
        Effect: 'Allow',
        Principal: { AWS: replicationRoleArn },
        Action: ['s3:GetBucketVersioning'],
        Resource: [arn],
      },
    ],
  };
}

/** One CloudWatch alarm on an S3 replication metric, before rendering. */
export interface ReplicationAlarmSpec<V = string> {
  /** Role suffix of the Pulumi name, e.g. `failed-all-objects`. */
  readonly role: string;
  readonly metricName: 'OperationsFailedReplication' | 'ReplicationLatency';
  readonly statistic: 'Sum' | 'Maximum';
  readonly threshold: number;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly dimensions: { readonly SourceBucket: V | string; readonly DestinationBucket: V | string; readonly RuleId: string };
  readonly description: string;
}

/** Alarm thresholds, resolved. */
export interface ReplicationAlarmThresholds {
  /** Alarm when the maximum replication latency stays above this many seconds. */
  readonly latencySeconds: number;
  /** Consecutive 5-minute periods the latency must stay above the threshold. */
  readonly latencyEvaluationPeriods: number;
  /** Alarm when more than this many operations failed in a 5-minute period. */
  readonly failedOperations: number;
}

export const DEFAULT_ALARM_THRESHOLDS: ReplicationAlarmThresholds = {
  latencySeconds: 15 * 60,
  latencyEvaluationPeriods: 3,
  failedOperations: 0,
};

/**
 * Two alarms per rule that publishes metrics: failed operations and latency, on the AWS/S3
 * replication metrics with dimensions SourceBucket, DestinationBucket and RuleId. Rules without
 * metrics get none: S3 publishes nothing to alarm on.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/metrics-dimensions.html#s3-cloudwatch-replication-metrics
 */
export function replicationAlarmSpecs<V>(
  crr: ResolvedCrr<V>,
  thresholds: ReplicationAlarmThresholds,
  rolePrefix = '',
): ReplicationAlarmSpec<V>[] {
  return crr.rules
    .filter((r) => r.metrics || r.replicationTimeControl)
    .flatMap((rule) => {
      const dimensions = {
        SourceBucket: crr.source.bucketName,
        DestinationBucket: destinationOf(crr, rule.destination).bucketName,
        RuleId: rule.id,
      };
      const where = `${crr.source.key} -> ${rule.destination} (rule ${rule.id})`;
      return [
        {
          role: `${rolePrefix}failed-${rule.id}`,
          metricName: 'OperationsFailedReplication' as const,
          statistic: 'Sum' as const,
          threshold: thresholds.failedOperations,
          periodSeconds: 300,
          evaluationPeriods: 1,
          dimensions,
          description: `S3 replication ${where}: operations failed to replicate`,
        },
        {
          role: `${rolePrefix}latency-${rule.id}`,
          metricName: 'ReplicationLatency' as const,
          statistic: 'Maximum' as const,
          threshold: thresholds.latencySeconds,
          periodSeconds: 300,
          evaluationPeriods: thresholds.latencyEvaluationPeriods,
          dimensions,
          description: `S3 replication ${where}: latency above ${thresholds.latencySeconds} s`,
        },
      ];
    });
}
