import * as pulumi from '@pulumi/pulumi';

/** One resource registered with the mock monitor. */
export interface Recorded {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
  /** Name of the explicit provider, if any. */
  readonly provider: string | undefined;
  /** Names of the resources it depends on (dependsOn and inputs), as the engine receives them. */
  readonly dependsOn: string[];
}

/** Every resource type and invoke the Pulumi components may use; anything else fails the test. */
const KNOWN_TYPES = new Set([
  'pulumi:providers:aws',
  'pulumi:providers:kubernetes',
  'bucketbridge:aws:CrrReplication',
  'bucketbridge:aws:ReplicationTopology',
  'aws:s3/bucket:Bucket',
  'aws:s3/bucketVersioning:BucketVersioning',
  'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
  'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock',
  'aws:s3/bucketPolicy:BucketPolicy',
  'aws:s3/bucketReplicationConfig:BucketReplicationConfig',
  'aws:iam/role:Role',
  'aws:iam/rolePolicy:RolePolicy',
  'aws:cloudwatch/metricAlarm:MetricAlarm',
  'aws:sns/topic:Topic',
  'kubernetes:batch/v1:Job',
  'kubernetes:core/v1:ServiceAccount',
  'pulumi-nodejs:dynamic/bucketbridge:BatchReplicationJob',
  'bucketbridge:aws:CamelReplicatorAws',
  'aws:s3/bucketOwnershipControls:BucketOwnershipControls',
  'aws:s3/bucketNotification:BucketNotification',
  'aws:sqs/queue:Queue',
  'aws:sqs/queuePolicy:QueuePolicy',
  'aws:iam/user:User',
  'aws:iam/userPolicy:UserPolicy',
  'aws:iam/accessKey:AccessKey',
  'aws:eks/podIdentityAssociation:PodIdentityAssociation',
  'kubernetes:core/v1:Secret',
  'bucketbridge:kubernetes:ChartDeployment',
  'kubernetes:yaml/v2:ConfigGroup',
]);

const DEFAULT_ACCOUNT = '111111111111';

export interface MockState {
  readonly recorded: Recorded[];
  /** Types and tokens the mocks did not know; asserted empty after each test. */
  readonly unknown: string[];
}

function providerName(ref: string | undefined): string | undefined {
  if (ref === undefined || ref === '') return undefined;
  const parts = ref.split('::');
  return parts[parts.length - 1];
}

function nameOfUrn(urn: string): string {
  const parts = urn.split('::');
  return parts[parts.length - 1] ?? urn;
}

/** The slice of a RegisterResourceRequest the recorder reads. */
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getDependenciesList(): string[];
}

/**
 * Wraps the mock monitor so each registration's dependency URNs are known: Pulumi's mocks pass
 * type, name, inputs and provider to `newResource`, but not the dependencies the engine gets.
 */
function recordDependencies(): Map<string, string[]> {
  const dependencies = new Map<string, string[]>();
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(req: RegisterRequest, callback: unknown): Promise<void>;
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    dependencies.set(`${req.getType()} ${req.getName()}`, req.getDependenciesList().map(nameOfUrn));
    return register(req, callback);
  };
  return dependencies;
}

function list(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string' && value.startsWith('[')) return JSON.parse(value) as string[];
  return [];
}

/**
 * Installs Pulumi mocks that record every resource and answer the partition, region and caller
 * identity invokes from the provider's own inputs (region, allowedAccountIds). A resource type or
 * invoke not listed above is recorded in `unknown` (and answered, so the program does not hang
 * waiting for it); tests assert `unknown` is empty.
 */
export async function installMocks(): Promise<MockState> {
  const state: MockState = { recorded: [], unknown: [] };
  const providers = new Map<string, Record<string, unknown>>();
  let dependencies = new Map<string, string[]>();
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        if (!KNOWN_TYPES.has(args.type)) {
          state.unknown.push(`resource ${args.type} ${args.name}`);
          return { id: args.name, state: args.inputs };
        }
        const inputs = args.inputs as Record<string, unknown>;
        state.recorded.push({
          type: args.type,
          name: args.name,
          inputs,
          provider: providerName(args.provider),
          dependsOn: dependencies.get(`${args.type} ${args.name}`) ?? [],
        });
        if (args.type.startsWith('pulumi:providers:')) providers.set(args.name, inputs);
        const account = list(providers.get(providerName(args.provider) ?? '')?.allowedAccountIds)[0] ?? DEFAULT_ACCOUNT;
        const outputs: Record<string, unknown> = { ...inputs };
        switch (args.type) {
          case 'aws:s3/bucket:Bucket':
            outputs.arn = `arn:aws:s3:::${String(inputs.bucket)}`;
            return { id: String(inputs.bucket), state: outputs };
          case 'aws:iam/role:Role':
            outputs.arn = `arn:aws:iam::${account}:role/${args.name}`;
            break;
          case 'aws:sns/topic:Topic':
            outputs.arn = `arn:aws:sns:${String(providers.get(providerName(args.provider) ?? '')?.region)}:${account}:${args.name}`;
            break;
          case 'aws:cloudwatch/metricAlarm:MetricAlarm':
            outputs.arn = `arn:aws:cloudwatch:region:${account}:alarm:${args.name}`;
            break;
          case 'pulumi-nodejs:dynamic/bucketbridge:BatchReplicationJob':
            outputs.jobId = 'job-0001';
            break;
          case 'aws:sqs/queue:Queue': {
            const region = String(providers.get(providerName(args.provider) ?? '')?.region);
            outputs.arn = `arn:aws:sqs:${region}:${account}:${String(inputs.name)}`;
            outputs.url = `https://sqs.${region}.amazonaws.com/${account}/${String(inputs.name)}`;
            break;
          }
          case 'aws:iam/user:User':
            outputs.arn = `arn:aws:iam::${account}:user/${String(inputs.name)}`;
            outputs.uniqueId = 'AIDAEXAMPLEUNIQUEID01';
            break;
          case 'aws:iam/accessKey:AccessKey':
            outputs.secret = 'mock-secret-access-key';
            return { id: 'AKIAMOCKACCESSKEY001', state: outputs };
        }
        return { id: args.name, state: outputs };
      },
      call(args) {
        const provider = providers.get(providerName(args.provider) ?? '') ?? {};
        switch (args.token) {
          case 'aws:index/getPartition:getPartition':
            return { partition: 'aws', dnsSuffix: 'amazonaws.com' };
          case 'aws:index/getRegion:getRegion':
            return { region: String(provider.region), name: String(provider.region) };
          case 'aws:index/getCallerIdentity:getCallerIdentity': {
            const accountId = list(provider.allowedAccountIds)[0] ?? DEFAULT_ACCOUNT;
            return { accountId, arn: `arn:aws:iam::${accountId}:user/test`, userId: 'test' };
          }
          default:
            state.unknown.push(`invoke ${args.token}`);
            return {};
        }
      },
    },
    'bucketbridge',
    'test',
    false,
  );
  dependencies = recordDependencies();
  return state;
}

/** Waits until no new resource has been registered for a few event-loop turns. */
export async function settle(state: MockState): Promise<void> {
  let stableTurns = 0;
  let last = -1;
  while (stableTurns < 10) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    if (state.recorded.length === last) stableTurns += 1;
    else {
      stableTurns = 0;
      last = state.recorded.length;
    }
  }
}

/** The value of an Output, once known. */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

/** Resources of a type, optionally with exactly this name. */
export function findAll(state: MockState, type: string, name?: string): Recorded[] {
  return state.recorded.filter((r) => r.type === type && (name === undefined || r.name === name));
}

/** The one resource of a type and name; fails when it is missing or ambiguous. */
export function findByKind(state: MockState, type: string, name: string): Recorded {
  const found = findAll(state, type, name);
  if (found.length !== 1) {
    throw new Error(`expected one ${type} named ${name}, found ${found.length}: ${state.recorded.map((r) => `${r.type} ${r.name}`).join(', ')}`);
  }
  return found[0] as Recorded;
}
