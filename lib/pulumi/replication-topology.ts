import * as pulumi from '@pulumi/pulumi';
import type * as aws from '@pulumi/aws';
import { Problems } from '../model/errors';
import { type ReplicationTopologyProps, type ResolvedEdge, type ResolvedTopology, replicatorQueueNames, resolveTopology } from '../model/topology';
import { CamelReplicatorAws, type CamelReplicatorAwsArgs } from './camel-replicator-aws';
import { CrrReplication, type CrrReplicationArgs } from './crr-replication';

/** Settings of one CRR edge the topology does not carry. */
export type TopologyCrrArgs = Partial<Omit<CrrReplicationArgs, 'source' | 'destinations' | 'twoWay'>>;

/** Settings of one camel or native edge's AWS side the topology does not carry. */
export type TopologyCamelArgs = Omit<CamelReplicatorAwsArgs, 'provider' | 'bucketName' | 'adoptBucket' | 'replaceExistingNotifications'>;

/** Arguments of {@link ReplicationTopology}. */
export interface ReplicationTopologyArgs {
  /** The declaration, the same one the cdk8s `ReplicationTopology` renders. */
  readonly topology: ReplicationTopologyProps;
  /** AWS provider per AWS site name: its account and region. */
  readonly providers: Readonly<Record<string, aws.Provider>>;
  /**
   * CrrReplication settings per edge name (rules, alarms, backfill, roles).
   * @default - one rule named after the edge, covering the edge's prefix, default alarms
   */
  readonly crr?: Readonly<Record<string, TopologyCrrArgs>>;
  /**
   * CamelReplicatorAws settings per camel or native edge name (queues, identity, Secrets). Queue
   * names set here must be set on the cdk8s side too (`camel.<edge>.aws`), which consumes them.
   * @default - the queues `<edge>-events` and `<edge>-dlq` (`replicatorQueueNames`, as the cdk8s
   * side expects them), only the edge's prefix announced, CamelReplicatorAws's defaults otherwise
   */
  readonly camel?: Readonly<Record<string, TopologyCamelArgs>>;
  /**
   * Edges whose AWS side is managed elsewhere.
   * @default - every edge with an AWS side renders
   */
  readonly exclude?: readonly string[];
}

/** One component the topology creates, with its arguments. */
export type TopologyAwsComponent =
  | { readonly kind: 'crr'; readonly edge: string; readonly name: string; readonly args: CrrReplicationArgs; readonly after?: string }
  | { readonly kind: 'camel'; readonly edge: string; readonly name: string; readonly args: CamelReplicatorAwsArgs; readonly after?: string };

const TYPE = 'bucketbridge:aws:ReplicationTopology';

/**
 * The AWS components of a topology's edges, in edge order: CrrReplication per crr edge,
 * CamelReplicatorAws per camel or native edge (the AWS bucket, queues and identities both engines
 * use). A bucket shared by several edges is created by the first and adopted by the others
 * (`after` names the component that creates it). Multisite edges have no AWS side; bucket-sync and
 * cosmos edges need none: their CronJobs reach an existing AWS bucket with credentials the user
 * keeps in a Secret (or an IRSA role), and nothing is created for them.
 */
export function topologyAwsComponents(name: string, topology: ResolvedTopology, args: ReplicationTopologyArgs): TopologyAwsComponent[] {
  const problems = new Problems(name);
  const exclude = new Set(args.exclude ?? []);
  (args.exclude ?? []).forEach((edge, index) => {
    problems.check(topology.edges.some((e) => e.name === edge), `exclude[${index}]`, 'must name an edge', edge);
  });
  for (const [prop, overrides] of [['crr', args.crr], ['camel', args.camel]] as const) {
    for (const edge of Object.keys(overrides ?? {})) {
      const mechanisms = prop === 'crr' ? ['crr'] : ['camel', 'native'];
      const found = topology.edges.find((e) => e.name === edge);
      problems.check(found !== undefined && mechanisms.includes(found.mechanism), `${prop}.${edge}`, `must name a ${mechanisms.join(' or ')} edge`, edge);
    }
  }
  const provider = (edge: ResolvedEdge, site: string): aws.Provider => {
    const found = args.providers[site];
    problems.check(found !== undefined, `providers.${site}`, `must be set: edge '${edge.name}' has buckets in AWS site ${site}`, undefined);
    return found as aws.Provider;
  };
  const creators = new Map<string, string>();
  const notified = new Map<string, string>();
  const replicated = new Map<string, string>();
  const components: TopologyAwsComponent[] = [];
  for (const edge of topology.edges.filter((e) => !exclude.has(e.name))) {
    const componentName = `${name}-${edge.name}`;
    if (edge.mechanism === 'crr') {
      for (const source of edge.direction === 'two-way' ? [edge.from, edge.to] : [edge.from]) {
        const previous = replicated.get(source.ref);
        problems.check(
          previous === undefined,
          `edges[${edge.index}]`,
          `must not replicate AWS bucket ${source.ref} as edge '${previous}' does: S3 keeps one replication configuration per bucket, so the second CrrReplication would replace the first one's`,
          edge.name,
        );
        replicated.set(source.ref, edge.name);
      }
      const accountOf = (site: ResolvedEdge['from']['site']) => (site.props.kind === 'aws' ? site.props.accountId : undefined);
      const sourceAccount = accountOf(edge.from.site);
      const destinationAccount = accountOf(edge.to.site);
      const after = creators.get(edge.from.ref) ?? creators.get(edge.to.ref);
      const adopt = (ref: string) => (creators.has(ref) ? { adopt: true, versioning: 'Enabled' as const } : {});
      const overrides = args.crr?.[edge.name] ?? {};
      components.push({
        kind: 'crr',
        edge: edge.name,
        name: componentName,
        ...(after ? { after } : {}),
        args: {
          ...overrides,
          source: { bucketName: edge.from.name, provider: provider(edge, edge.from.site.name), ...adopt(edge.from.ref), ...(edge.direction === 'two-way' && sourceAccount !== destinationAccount ? { accountId: sourceAccount } : {}) },
          destinations: [
            {
              bucketName: edge.to.name,
              provider: provider(edge, edge.to.site.name),
              ...adopt(edge.to.ref),
              ...(destinationAccount !== sourceAccount ? { accountId: destinationAccount } : {}),
            },
          ],
          rules: overrides.rules ?? [{ id: edge.name, ...(edge.prefix ? { prefix: edge.prefix } : {}) }],
          ...(edge.direction === 'two-way' ? { twoWay: true } : {}),
        },
      });
      for (const ref of [edge.from.ref, edge.to.ref]) if (!creators.has(ref)) creators.set(ref, componentName);
    } else if (edge.mechanism === 'camel' || edge.mechanism === 'native') {
      const awsEnd = edge.from.site.kind === 'aws' ? edge.from : edge.to;
      const previous = notified.get(awsEnd.ref);
      problems.check(
        previous === undefined,
        `edges[${edge.index}]`,
        `must not share AWS bucket ${awsEnd.ref} with edge '${previous}': S3 keeps one notification configuration per bucket, so the second replicator would replace the first one's`,
        edge.name,
      );
      notified.set(awsEnd.ref, edge.name);
      const after = creators.get(awsEnd.ref);
      components.push({
        kind: 'camel',
        edge: edge.name,
        name: componentName,
        ...(after ? { after } : {}),
        args: {
          ...replicatorQueueNames(edge.name),
          ...(edge.prefix ? { filterPrefix: edge.prefix } : {}),
          ...args.camel?.[edge.name],
          provider: provider(edge, awsEnd.site.name),
          bucketName: awsEnd.name,
          ...(after ? { adoptBucket: true, replaceExistingNotifications: true } : {}),
        },
      });
      if (!after) creators.set(awsEnd.ref, componentName);
    }
  }
  problems.throwIfAny();
  return components;
}

/**
 * The AWS side of a replication topology from the same declaration as the cdk8s
 * `ReplicationTopology`: CrrReplication for AWS <-> AWS edges and CamelReplicatorAws for the AWS
 * end of Ceph <-> AWS edges, each named `<name>-<edge>`.
 *
 * Type token `bucketbridge:aws:ReplicationTopology`.
 */
export class ReplicationTopology extends pulumi.ComponentResource {
  readonly topology: ResolvedTopology;
  /** CrrReplication per crr edge name. */
  readonly crr: Readonly<Record<string, CrrReplication>>;
  /** CamelReplicatorAws per camel or native edge name. */
  readonly replicators: Readonly<Record<string, CamelReplicatorAws>>;
  /**
   * Per camel or native edge name, the `AWS:<unique id>` its AWS -> Ceph direction must skip: the
   * cdk8s side's `camel.<edge>.loopGuard.awsPrincipalId`.
   */
  readonly replicatorPrincipalIds: pulumi.Output<Record<string, string>>;
  /** Per camel or native edge name, the URL of the event queue the AWS-side replicator consumes. */
  readonly replicatorQueueUrls: pulumi.Output<Record<string, string>>;
  /** Per camel or native edge name, the ARN of that queue. */
  readonly replicatorQueueArns: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: ReplicationTopologyArgs, opts?: pulumi.ComponentResourceOptions) {
    const topology = resolveTopology(name, args.topology);
    const components = topologyAwsComponents(name, topology, args);
    super(TYPE, name, {}, opts);
    this.topology = topology;
    const created = new Map<string, pulumi.Resource>();
    const crr: Record<string, CrrReplication> = {};
    const replicators: Record<string, CamelReplicatorAws> = {};
    for (const component of components) {
      const first = component.after ? created.get(component.after) : undefined;
      const childOpts: pulumi.ComponentResourceOptions = { parent: this, ...(first ? { dependsOn: [first] } : {}) };
      if (component.kind === 'crr') {
        const resource = new CrrReplication(component.name, component.args, childOpts);
        crr[component.edge] = resource;
        created.set(component.name, resource);
      } else {
        const resource = new CamelReplicatorAws(component.name, component.args, childOpts);
        replicators[component.edge] = resource;
        created.set(component.name, resource);
      }
    }
    this.crr = crr;
    this.replicators = replicators;
    const perEdge = (output: (r: CamelReplicatorAws) => pulumi.Output<string>) =>
      pulumi.output(Object.fromEntries(Object.entries(replicators).map(([edge, r]) => [edge, output(r)]))) as pulumi.Output<Record<string, string>>;
    this.replicatorPrincipalIds = perEdge((r) => r.replicatorPrincipalId);
    this.replicatorQueueUrls = perEdge((r) => r.queueUrl);
    this.replicatorQueueArns = perEdge((r) => r.queueArn);
    this.registerOutputs({
      crrRoleArns: Object.fromEntries(Object.entries(crr).map(([edge, c]) => [edge, c.roleArn])),
      replicatorPrincipalIds: this.replicatorPrincipalIds,
      replicatorQueueUrls: this.replicatorQueueUrls,
      replicatorQueueArns: this.replicatorQueueArns,
    });
  }
}
