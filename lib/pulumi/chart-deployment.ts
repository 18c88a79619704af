import * as pulumi from '@pulumi/pulumi';
import * as k8s from '@pulumi/kubernetes';

/** A cdk8s chart, or anything else that renders Kubernetes objects the way `Chart.toJson()` does. */
export interface RenderedChart {
  toJson(): unknown[];
}

/** Arguments of {@link ChartDeployment}. */
export interface ChartDeploymentArgs {
  /** The chart whose objects are applied, e.g. one of CamelReplicator's per-cluster charts. */
  readonly chart: RenderedChart;
  /**
   * Provider of the cluster the objects go to.
   * @default - the program's default Kubernetes provider
   */
  readonly provider?: k8s.Provider;
}

/**
 * Applies a cdk8s chart's objects with `@pulumi/kubernetes` (`yaml/v2` ConfigGroup), so one
 * `pulumi up` sets up the AWS side and the clusters, while the same charts can still be
 * synthesized to files for GitOps. The ConfigGroup orders CRD-backed objects after their
 * definitions and waits for each object's readiness as Pulumi's Kubernetes provider does.
 *
 * Type token `bucketbridge:kubernetes:ChartDeployment`.
 * @see https://www.pulumi.com/registry/packages/kubernetes/api-docs/yaml/v2/configgroup/
 */
export class ChartDeployment extends pulumi.ComponentResource {
  /** The objects applied, as the ConfigGroup reports them. */
  readonly resources: pulumi.Output<unknown[]>;

  constructor(name: string, args: ChartDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
    super('bucketbridge:kubernetes:ChartDeployment', name, {}, opts);
    const group = new k8s.yaml.v2.ConfigGroup(
      `${name}-objects`,
      { objs: args.chart.toJson() },
      { parent: this, ...(args.provider ? { provider: args.provider } : {}) },
    );
    this.resources = group.resources;
    this.registerOutputs({ resources: this.resources });
  }
}
