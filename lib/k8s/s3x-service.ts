import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { S3X } from '../../imports/edgefs.rook.io';
import {
  Problems,
  checkS3XInitPlan,
  renderEfscliScript,
  s3xInitSteps,
  type EfscliStep,
  type S3XInitPlan,
} from '../model';

/**
 * Where the S3X pods may run, as for the other EdgeFS daemons.
 * @see https://github.com/rook/rook/blob/v1.5.12/Documentation/edgefs-s3x-crd.md#metadata
 */
export interface S3XPlacement {
  /** @default - no node affinity */
  readonly nodeAffinity?: k8s.NodeAffinity;
  /** @default - no pod affinity */
  readonly podAffinity?: k8s.PodAffinity;
  /** @default - no pod anti-affinity */
  readonly podAntiAffinity?: k8s.PodAntiAffinity;
  /** @default - no tolerations */
  readonly tolerations?: readonly k8s.Toleration[];
  /**
   * Rook v1.3 and later only.
   * @default - no topology spread constraints
   */
  readonly topologySpreadConstraints?: readonly k8s.TopologySpreadConstraint[];
}

/**
 * The EdgeFS objects the service needs, created by a script of `efscli` commands: `system init`,
 * `cluster create`, `tenant create`, `bucket create`, `service create s3x`, `service serve`.
 * @see https://github.com/rook/rook/blob/v1.5.12/Documentation/edgefs-s3x-crd.md#setting-up-edgefs-namespace-and-tenant
 */
export interface S3XInitProps {
  /**
   * The tenant the service serves, `Region/Tenant` (e.g. `Hawaii/Cola`). efscli serves an S3X
   * service one whole tenant; a `Region/Tenant/Bucket` path is refused.
   */
  readonly tenant: string;
  /**
   * Buckets to create in the tenant, each `Region/Tenant/Bucket` (e.g. `Hawaii/Cola/bk1`).
   * @default - no buckets
   */
  readonly buckets?: readonly string[];
  /**
   * Start with `efscli system init -f`, which accepts the discovered FlexHash table and creates the
   * site's root object. Harmless on an initialized site.
   * @default true
   */
  readonly systemInit?: boolean;
  /**
   * Also render a Job that runs the script.
   * @default - only the ConfigMap; run the script from the EdgeFS toolbox yourself
   */
  readonly job?: S3XInitJobProps;
}

/**
 * A Job that runs the set-up script on a node of the EdgeFS cluster, with the host access the Rook
 * EdgeFS operator gives its own pods.
 */
export interface S3XInitJobProps {
  /** The toolbox image to run it in: one that has `efscli` on its PATH, e.g. `edgefs/edgefs:1.2.117`. */
  readonly image: string;
  /**
   * The EdgeFS cluster's `dataDirHostPath`: its `.etc` and `.state` folders are mounted at
   * `/opt/nedge/etc.target` and `/opt/nedge/var/run`, as in the operator's pods.
   * @default '/var/lib/edgefs'
   * @see https://github.com/rook/rook/blob/v1.5.12/Documentation/edgefs-cluster-crd.md
   */
  readonly dataDirHostPath?: string;
  /**
   * Use the host network: set it when the EdgeFS cluster's `network.provider` is `host`.
   * @default false
   */
  readonly hostNetwork?: boolean;
  /**
   * The service account the pod runs as; the operator's pods use `rook-edgefs-cluster`, which is
   * allowed the host access the Job needs.
   * @default 'rook-edgefs-cluster'
   */
  readonly serviceAccountName?: string;
  /** @default 'IfNotPresent' */
  readonly imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  /**
   * Retries after a failed run. The script skips what an earlier run did, so a retry is safe.
   * @default 3
   */
  readonly backoffLimit?: number;
}

/**
 * A Service (and optionally an NGINX Ingress) in front of several S3X instances, as the Rook guide
 * advises for load balancing. Requests of a client stick to one instance, so an open Stream Session,
 * which lives in one instance, keeps its isolation when the client reconnects.
 * @see https://github.com/rook/rook/blob/v1.5.12/Documentation/edgefs-s3x-crd.md#metadata
 */
export interface S3XLoadBalancingProps {
  /**
   * Name of the Service.
   * @default `<name>-lb`
   */
  readonly serviceName?: string;
  /**
   * @default 'ClusterIP'
   * @see https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types
   */
  readonly serviceType?: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  /**
   * How long a client sticks to an instance after its last request.
   * @default 10800
   * @see https://kubernetes.io/docs/reference/networking/virtual-ips/#session-affinity
   */
  readonly sessionAffinityTimeoutSeconds?: number;
  /**
   * Annotations of the Service, e.g. for a cloud load balancer.
   * @default - none
   */
  readonly annotations?: Readonly<Record<string, string>>;
  /**
   * An NGINX Ingress to the Service's HTTP port.
   * @default - no Ingress
   */
  readonly ingress?: S3XIngressProps;
}

/** @see https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/ */
export interface S3XIngressProps {
  /** Host name of the service, e.g. `s3x.example.com`. */
  readonly host: string;
  /**
   * `kubernetes.io/tls` Secret for `host`.
   * @default - plain HTTP
   */
  readonly tlsSecretName?: string;
  /**
   * IngressClass (`spec.ingressClassName`).
   * @default - the cluster's default IngressClass
   */
  readonly className?: string;
  /**
   * Annotations merged over the defaults: `proxy-body-size: "0"` (no size limit),
   * `proxy-request-buffering: "off"` (stream uploads), `proxy-read-timeout: "600"`, and
   * `upstream-hash-by: "$remote_addr"` (a client sticks to one instance), all under
   * `nginx.ingress.kubernetes.io/`.
   * @default - only the defaults
   */
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface S3XServiceProps {
  /**
   * The Edge-X S3 service: the EdgeFS service name (`efscli service create s3x <name>`) and the S3X
   * resource name, which must be equal. Kubernetes needs it lowercase (`s3x-cola`, not `s3xCola`),
   * and the operator's `rook-edgefs-s3x-<name>` Service needs it at most 47 characters long.
   * @see https://github.com/rook/rook/blob/v1.5.12/Documentation/edgefs-s3x-crd.md#metadata
   */
  readonly name: string;
  /**
   * Namespace of the Rook EdgeFS cluster.
   * @default 'rook-edgefs'
   */
  readonly namespace?: string;
  /**
   * Active S3X pods (`spec.instances`). With more than one, consider `loadBalancing`.
   * @default 1
   * @see https://github.com/rook/rook/blob/v1.5.12/Documentation/edgefs-s3x-crd.md#metadata
   */
  readonly instances?: number;
  /**
   * HTTP port of the pods and the operator's Service (`spec.port`). Always written, because the
   * operator's built-in default (4000) differs from the documented one (3000).
   * @default 3000
   * @see https://github.com/rook/rook/blob/v1.5.12/Documentation/edgefs-s3x-crd.md#metadata
   */
  readonly port?: number;
  /**
   * HTTPS port (`spec.securePort`). Setting it requests HTTPS with your certificate, so it needs
   * `sslCertificateRef`; left unset, 3001 serves EdgeFS's built-in certificate.
   * @default 3001
   * @see https://github.com/rook/rook/blob/v1.5.12/Documentation/edgefs-s3x-crd.md#metadata
   */
  readonly securePort?: number;
  /**
   * Name of the Secret holding the TLS key and certificate under the keys `sslkey` and `sslcert`
   * (`spec.sslCertificateRef`). Never the key material itself.
   * @default - EdgeFS's built-in certificate
   * @see https://github.com/rook/rook/blob/v1.5.12/Documentation/edgefs-s3x-crd.md#metadata
   */
  readonly sslCertificateRef?: string;
  /**
   * Type of the operator's `rook-edgefs-s3x-<name>` Service (`spec.serviceType`).
   * @default 'ClusterIP'
   * @see https://github.com/rook/rook/blob/v1.5.12/Documentation/edgefs-s3x-crd.md#metadata
   */
  readonly serviceType?: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  /**
   * Node port of the HTTP port (`spec.externalPort`); needs a NodePort or LoadBalancer `serviceType`.
   * @default - Kubernetes picks one
   * @see https://github.com/rook/rook/blob/v1.5.12/Documentation/edgefs-s3x-crd.md#metadata
   */
  readonly externalPort?: number;
  /**
   * Node port of the HTTPS port (`spec.secureExternalPort`); needs a NodePort or LoadBalancer `serviceType`.
   * @default - Kubernetes picks one
   * @see https://github.com/rook/rook/blob/v1.5.12/Documentation/edgefs-s3x-crd.md#metadata
   */
  readonly secureExternalPort?: number;
  /**
   * Scheduling constraints of the S3X pods (`spec.placement`).
   * @default - no constraints
   * @see https://github.com/rook/rook/blob/v1.5.12/Documentation/edgefs-s3x-crd.md#metadata
   */
  readonly placement?: S3XPlacement;
  /**
   * CPU and memory of the S3X pods (`spec.resources`).
   * @default - none set
   * @see https://github.com/rook/rook/blob/v1.5.12/Documentation/edgefs-s3x-crd.md#metadata
   */
  readonly resources?: k8s.ResourceRequirements;
  /**
   * Annotations the operator adds to the S3X Deployment and pods (`spec.annotations`).
   * @default - none
   * @see https://github.com/rook/rook/blob/v1.5.12/Documentation/edgefs-s3x-crd.md#metadata
   */
  readonly annotations?: Readonly<Record<string, string>>;
  /**
   * `embedded` favours memory over I/O resources (`spec.resourceProfile`).
   * @default - `performance`, unless the cluster's profile is `embedded`
   * @see https://github.com/rook/rook/blob/v1.5.12/Documentation/edgefs-s3x-crd.md#metadata
   */
  readonly resourceProfile?: 'embedded' | 'performance';
  /**
   * Cap on the dynamic chunk cache, a Kubernetes quantity such as `1Gi` (`spec.chunkCacheSize`).
   * @default - up to 75% of the pod's memory
   * @see https://github.com/rook/rook/blob/v1.5.12/Documentation/edgefs-s3x-crd.md#metadata
   */
  readonly chunkCacheSize?: string;
  /**
   * Render the EdgeFS set-up of this service as an `efscli` script in a ConfigMap (and optionally a Job).
   * @default - no set-up script
   */
  readonly init?: S3XInitProps;
  /**
   * A sticky Service (and optional Ingress) in front of the instances.
   * @default - only the operator's own Service
   */
  readonly loadBalancing?: S3XLoadBalancingProps;
}

/** Ports the operator opens in every S3X pod besides `port` and `securePort`: gRPC and the S3 proxy sidecar. */
const RESERVED_PORTS: Readonly<Record<number, string>> = { 49000: 'the gRPC port', 9982: "the s3-proxy sidecar's port" };

const DEFAULT_INGRESS_ANNOTATIONS: Readonly<Record<string, string>> = {
  'nginx.ingress.kubernetes.io/proxy-body-size': '0',
  'nginx.ingress.kubernetes.io/proxy-request-buffering': 'off',
  'nginx.ingress.kubernetes.io/proxy-read-timeout': '600',
  'nginx.ingress.kubernetes.io/upstream-hash-by': '$remote_addr',
};

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUANTITY = /^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$/;
/** The operator prefixes its Deployment and Service names with this. */
const OPERATOR_PREFIX = 'rook-edgefs-s3x-';
const MAX_NAME_LENGTH = 63 - OPERATOR_PREFIX.length;
const SCRIPT_DIR = '/opt/bucketbridge';
const SCRIPT_KEY = 'init.sh';

/**
 * An EdgeFS Edge-X S3 (S3X) service run by the Rook EdgeFS operator (Rook v1.1 to v1.5): the
 * `edgefs.rook.io/v1` `S3X` resource and, optionally, the `efscli` set-up it depends on and a sticky
 * Service for several instances. Legacy: Rook removed EdgeFS in v1.6.
 *
 * @see https://github.com/rook/rook/blob/v1.5.12/Documentation/edgefs-s3x-crd.md
 */
export class S3XService extends Construct {
  /** The EdgeFS service name, also the S3X resource name. */
  readonly name: string;
  readonly namespace: string;
  readonly port: number;
  readonly securePort: number;
  /** The Service the operator creates for the pods, `rook-edgefs-s3x-<name>`. */
  readonly operatorServiceName: string;
  /** The in-cluster HTTP endpoint of the operator's Service. */
  readonly endpoint: string;
  /** The S3X resource. */
  readonly resource: ApiObject;
  /** The ordered efscli steps of the set-up, when `init` is set. */
  readonly initSteps?: readonly EfscliStep[];
  /** The set-up script, when `init` is set. */
  readonly initScript?: string;
  /** The ConfigMap holding the set-up script under `init.sh`, when `init` is set. */
  readonly initConfigMap?: ApiObject;
  /** The Job running the set-up script, when `init.job` is set. */
  readonly initJob?: ApiObject;
  /** The sticky Service, when `loadBalancing` is set. */
  readonly loadBalancerService?: ApiObject;

  constructor(scope: Construct, id: string, props: S3XServiceProps) {
    super(scope, id);
    validate(this.node.path, props);
    this.name = props.name;
    this.namespace = props.namespace ?? 'rook-edgefs';
    this.port = props.port ?? 3000;
    this.securePort = props.securePort ?? 3001;
    this.operatorServiceName = `${OPERATOR_PREFIX}${this.name}`;
    this.endpoint = `http://${this.operatorServiceName}.${this.namespace}.svc:${this.port}`;

    const { placement } = props;
    this.resource = new ApiObject(this, 'Resource', {
      ...S3X.GVK,
      metadata: { name: this.name, namespace: this.namespace },
      spec: {
        instances: props.instances ?? 1,
        port: this.port,
        securePort: this.securePort,
        sslCertificateRef: props.sslCertificateRef,
        serviceType: props.serviceType,
        externalPort: props.externalPort,
        secureExternalPort: props.secureExternalPort,
        placement: placement && {
          nodeAffinity: k8s.toJson_NodeAffinity(placement.nodeAffinity),
          podAffinity: k8s.toJson_PodAffinity(placement.podAffinity),
          podAntiAffinity: k8s.toJson_PodAntiAffinity(placement.podAntiAffinity),
          tolerations: placement.tolerations?.map((toleration) => k8s.toJson_Toleration(toleration)),
          topologySpreadConstraints: placement.topologySpreadConstraints?.map((c) => k8s.toJson_TopologySpreadConstraint(c)),
        },
        resources: k8s.toJson_ResourceRequirements(props.resources),
        annotations: props.annotations,
        resourceProfile: props.resourceProfile,
        chunkCacheSize: props.chunkCacheSize,
      },
    });

    if (props.init) {
      const plan: S3XInitPlan = { service: this.name, ...props.init };
      this.initSteps = s3xInitSteps(plan, this.node.path);
      this.initScript = renderEfscliScript(this.initSteps, `EdgeFS set-up of the S3X service ${this.name}`);
      this.initConfigMap = new k8s.KubeConfigMap(this, 'InitScript', {
        metadata: { name: `${this.name}-edgefs-init`, namespace: this.namespace },
        data: { [SCRIPT_KEY]: this.initScript },
      });
      // In apply order: the script, the Job running it, then the S3X resource, whose service the script creates.
      this.resource.addDependency(this.initConfigMap);
      if (props.init.job) {
        this.initJob = this.renderInitJob(props.init.job, this.initConfigMap.name);
        this.initJob.addDependency(this.initConfigMap);
        this.resource.addDependency(this.initJob);
      }
    }

    if (props.loadBalancing) this.loadBalancerService = this.renderLoadBalancing(props.loadBalancing);
  }

  private renderInitJob(job: S3XInitJobProps, configMapName: string): ApiObject {
    const dataDir = 'edgefs-datadir';
    return new k8s.KubeJob(this, 'InitJob', {
      metadata: { name: `${this.name}-edgefs-init`, namespace: this.namespace },
      spec: {
        backoffLimit: job.backoffLimit ?? 3,
        template: {
          metadata: { labels: { app: 'bucketbridge-edgefs-init', edgefs_svcname: this.name } },
          spec: {
            restartPolicy: 'Never',
            serviceAccountName: job.serviceAccountName ?? 'rook-edgefs-cluster',
            // The operator pins its pods to the cluster's nodes with this label, and shares the host's IPC.
            nodeSelector: { [this.namespace]: 'cluster' },
            hostIpc: true,
            hostNetwork: job.hostNetwork ?? false,
            dnsPolicy: job.hostNetwork ? 'ClusterFirstWithHostNet' : undefined,
            containers: [
              {
                name: 'efscli',
                image: job.image,
                imagePullPolicy: job.imagePullPolicy ?? 'IfNotPresent',
                command: ['/bin/sh', `${SCRIPT_DIR}/${SCRIPT_KEY}`],
                securityContext: { runAsUser: 0 },
                volumeMounts: [
                  { name: dataDir, mountPath: '/opt/nedge/etc.target', subPath: '.etc' },
                  { name: dataDir, mountPath: '/opt/nedge/var/run', subPath: '.state' },
                  { name: 'init-script', mountPath: SCRIPT_DIR, readOnly: true },
                ],
              },
            ],
            volumes: [
              { name: dataDir, hostPath: { path: job.dataDirHostPath ?? '/var/lib/edgefs' } },
              { name: 'init-script', configMap: { name: configMapName, defaultMode: 0o555 } },
            ],
          },
        },
      },
    });
  }

  private renderLoadBalancing(lb: S3XLoadBalancingProps): ApiObject {
    const serviceName = lb.serviceName ?? `${this.name}-lb`;
    const service = new k8s.KubeService(this, 'LoadBalancer', {
      metadata: { name: serviceName, namespace: this.namespace, annotations: lb.annotations && { ...lb.annotations } },
      spec: {
        type: lb.serviceType ?? 'ClusterIP',
        // The labels the operator puts on the S3X pods.
        selector: { app: 'rook-edgefs-s3x', rook_cluster: this.namespace, edgefs_svcname: this.name, edgefs_svctype: 's3x' },
        sessionAffinity: 'ClientIP',
        sessionAffinityConfig: { clientIp: { timeoutSeconds: lb.sessionAffinityTimeoutSeconds ?? 10800 } },
        ports: [
          { name: 'http', port: this.port, targetPort: k8s.IntOrString.fromString('port'), protocol: 'TCP' },
          { name: 'https', port: this.securePort, targetPort: k8s.IntOrString.fromString('secure-port'), protocol: 'TCP' },
        ],
      },
    });
    if (lb.ingress) {
      const { ingress } = lb;
      const ingressObject = new k8s.KubeIngress(this, 'Ingress', {
        metadata: {
          name: serviceName,
          namespace: this.namespace,
          annotations: { ...DEFAULT_INGRESS_ANNOTATIONS, ...ingress.annotations },
        },
        spec: {
          ingressClassName: ingress.className,
          tls: ingress.tlsSecretName ? [{ hosts: [ingress.host], secretName: ingress.tlsSecretName }] : undefined,
          rules: [
            {
              host: ingress.host,
              http: {
                paths: [
                  {
                    path: '/',
                    pathType: 'Prefix',
                    backend: { service: { name: serviceName, port: { name: 'http' } } },
                  },
                ],
              },
            },
          ],
        },
      });
      ingressObject.addDependency(service);
    }
    return service;
  }
}

function validate(path: string, props: S3XServiceProps): void {
  const problems = new Problems(path);
  const { name } = props;
  const nameRule = `must be a lowercase DNS-1123 label of at most ${MAX_NAME_LENGTH} characters (it names the S3X resource and the operator's ${OPERATOR_PREFIX}<name> Service)`;
  problems.check(DNS_LABEL.test(name) && name.length <= MAX_NAME_LENGTH, 'name', nameRule, name);
  if (props.namespace !== undefined) {
    problems.check(DNS_LABEL.test(props.namespace), 'namespace', 'must be a DNS-1123 label', props.namespace);
  }
  if (props.instances !== undefined) problems.checkInteger('instances', props.instances, 1);
  checkPorts(problems, props);
  checkTls(problems, props);
  if (props.chunkCacheSize !== undefined) {
    const rule = 'must be a Kubernetes quantity such as 1Gi';
    problems.check(QUANTITY.test(props.chunkCacheSize), 'chunkCacheSize', rule, props.chunkCacheSize);
  }
  if (props.init) {
    checkS3XInitPlan(problems, 'init', { service: name, ...props.init });
    const { job } = props.init;
    if (job) {
      problems.check(job.image.trim() !== '' && !/\s/.test(job.image), 'init.job.image', 'must be an image reference', job.image);
      const { dataDirHostPath } = job;
      if (dataDirHostPath !== undefined) {
        problems.check(dataDirHostPath.startsWith('/'), 'init.job.dataDirHostPath', 'must be an absolute path', dataDirHostPath);
      }
      if (job.serviceAccountName !== undefined) {
        const rule = 'must be a ServiceAccount name';
        problems.check(DNS_NAME.test(job.serviceAccountName), 'init.job.serviceAccountName', rule, job.serviceAccountName);
      }
      if (job.backoffLimit !== undefined) problems.checkInteger('init.job.backoffLimit', job.backoffLimit, 0);
    }
  }
  if (props.loadBalancing) checkLoadBalancing(problems, props.loadBalancing);
  problems.throwIfAny();
}

function checkPorts(problems: Problems, props: S3XServiceProps): void {
  const ports = { port: props.port ?? 3000, securePort: props.securePort ?? 3001 };
  for (const [prop, value] of Object.entries(ports)) {
    if (!problems.checkInteger(prop, value, 1, 65535)) continue;
    const reserved = RESERVED_PORTS[value];
    problems.check(reserved === undefined, prop, `must not be ${value}, ${reserved ?? ''} of every S3X pod`, value);
  }
  problems.check(ports.port !== ports.securePort, 'securePort', `must differ from port ${ports.port}`, ports.securePort);

  const external = { externalPort: props.externalPort, secureExternalPort: props.secureExternalPort };
  const serviceType = props.serviceType ?? 'ClusterIP';
  for (const [prop, value] of Object.entries(external)) {
    if (value === undefined) continue;
    problems.checkInteger(prop, value, 1, 65535);
    problems.check(serviceType !== 'ClusterIP', prop, 'needs serviceType NodePort or LoadBalancer', value);
  }
  if (external.externalPort !== undefined && external.externalPort === external.secureExternalPort) {
    problems.add('secureExternalPort', 'must differ from externalPort', external.secureExternalPort);
  }
}

function checkTls(problems: Problems, props: S3XServiceProps): void {
  const { sslCertificateRef } = props;
  if (sslCertificateRef !== undefined) {
    problems.check(DNS_NAME.test(sslCertificateRef), 'sslCertificateRef', 'must be the name of a Secret', sslCertificateRef);
  } else {
    const rule = 'must be set when securePort or secureExternalPort is set: name the Secret with the TLS certificate';
    problems.check(props.securePort === undefined && props.secureExternalPort === undefined, 'sslCertificateRef', rule, sslCertificateRef);
  }
}

function checkLoadBalancing(problems: Problems, lb: S3XLoadBalancingProps): void {
  if (lb.serviceName !== undefined) {
    problems.check(DNS_LABEL.test(lb.serviceName), 'loadBalancing.serviceName', 'must be a DNS-1123 label', lb.serviceName);
  }
  if (lb.sessionAffinityTimeoutSeconds !== undefined) {
    problems.checkInteger('loadBalancing.sessionAffinityTimeoutSeconds', lb.sessionAffinityTimeoutSeconds, 1, 86400);
  }
  if (lb.ingress) {
    const { host, tlsSecretName } = lb.ingress;
    problems.check(DNS_NAME.test(host), 'loadBalancing.ingress.host', 'must be a DNS name', host);
    if (tlsSecretName !== undefined) {
      problems.check(DNS_NAME.test(tlsSecretName), 'loadBalancing.ingress.tlsSecretName', 'must be a Secret name', tlsSecretName);
    }
  }
}
