import { ApiObject, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import * as rook from '../../imports/ceph.rook.io';
import { Problems, formatProblem } from '../model';

/**
 * A Ceph pool backing a zone: replicated or erasure coded.
 * @see https://rook.io/docs/rook/latest/CRDs/Block-Storage/ceph-block-pool-crd/#pool-settings
 */
export interface CephPoolProps {
  /**
   * Keep full copies of every object. Set exactly one of `replicated` and `erasureCoded`.
   * @default - replicated with size 3 when neither is set
   */
  readonly replicated?: CephReplicatedPoolProps;
  /**
   * Split objects into data and coding chunks. Not allowed for the metadata pool.
   * @default - replicated
   */
  readonly erasureCoded?: CephErasureCodedPoolProps;
  /**
   * CRUSH failure domain the copies or chunks are spread over.
   * @default 'host'
   */
  readonly failureDomain?: string;
  /**
   * Only place the pool on OSDs of this device class.
   * @default - any device class
   */
  readonly deviceClass?: string;
}

export interface CephReplicatedPoolProps {
  /** Copies per object, including the object itself. */
  readonly size: number;
  /**
   * Refuse a size of 1. Set `false` only for test clusters.
   * @default true
   */
  readonly requireSafeReplicaSize?: boolean;
}

export interface CephErasureCodedPoolProps {
  /** Data chunks per object (at least 2). */
  readonly dataChunks: number;
  /** Coding chunks per object (at least 1): how many OSDs may be lost at once. */
  readonly codingChunks: number;
}

/**
 * The RADOS Gateway pods of a zone's CephObjectStore.
 * @see https://rook.io/docs/rook/latest/CRDs/Object-Storage/ceph-object-store-crd/#gateway-settings
 */
export interface CephMultisiteGatewayProps {
  /**
   * Gateway pods. Rook recommends one gateway running the sync thread per zone.
   * @default 1
   */
  readonly instances?: number;
  /**
   * HTTP port of the gateway service.
   * @default 80
   */
  readonly port?: number;
  /**
   * HTTPS port of the gateway service; needs `sslCertificateRef`.
   * @default - no HTTPS port
   */
  readonly securePort?: number;
  /**
   * Name of the Secret holding the gateway's TLS certificate.
   * @default - none
   */
  readonly sslCertificateRef?: string;
  /**
   * Name of the Secret holding a CA bundle the gateway trusts (e.g. for the peer zones' endpoints).
   * @default - the system trust store
   */
  readonly caBundleRef?: string;
  /**
   * CPU and memory of the gateway pods.
   * @default - Rook's defaults
   */
  readonly resources?: rook.CephObjectStoreSpecGatewayResources;
  /**
   * Node affinity, tolerations and spread of the gateway pods.
   * @default - no placement constraints
   */
  readonly placement?: rook.CephObjectStoreSpecGatewayPlacement;
  /**
   * Further Ceph RGW options for this zone's gateways. Overrides `syncTuning` for the same key.
   * @default - only the options from `syncTuning`
   */
  readonly rgwConfig?: Readonly<Record<string, string>>;
}

/**
 * An Ingress in front of a zone's gateway service `rook-ceph-rgw-<objectStoreName>`.
 * @see https://kubernetes.io/docs/concepts/services-networking/ingress/
 */
export interface CephMultisiteIngressProps {
  /** Externally reachable host name of the zone, e.g. `s3.site-a.example.com`. */
  readonly host: string;
  /** Name of the `kubernetes.io/tls` Secret for `host`. */
  readonly tlsSecretName: string;
  /**
   * IngressClass to use (`spec.ingressClassName`).
   * @default - the cluster's default IngressClass
   * @see https://kubernetes.io/docs/concepts/services-networking/ingress/#ingress-class
   */
  readonly className?: string;
  /**
   * Annotations merged over the defaults, which lift NGINX's body size limit and allow slow
   * transfers: `nginx.ingress.kubernetes.io/proxy-body-size: "0"`,
   * `nginx.ingress.kubernetes.io/proxy-read-timeout: "600"`.
   * @default - only the defaults
   * @see https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/
   */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** One zone: one Ceph cluster of the realm. */
export interface CephMultisiteZoneProps {
  /** Zone name. Also the id of the zone's Chart, so `cdk8s synth` writes `<name>.k8s.yaml`. */
  readonly name: string;
  /**
   * Whether this is the master zone, which creates the realm; the others pull it.
   * @default - the first zone is the master when no zone sets this
   */
  readonly master?: boolean;
  /**
   * URLs at which the other clusters reach this zone (the zone's `customEndpoints`). Use https.
   * @default - `https://<ingress.host>` when `ingress` is set, else none (only the in-cluster service)
   * @see https://rook.io/docs/rook/latest/CRDs/Object-Storage/ceph-object-zone-crd/#spec
   */
  readonly endpoints?: readonly string[];
  /**
   * Master zone endpoint this secondary zone pulls the realm from (the realm's `pull.endpoint`).
   * @default - the master zone's first endpoint
   * @see https://rook.io/docs/rook/latest/CRDs/Object-Storage/ceph-object-realm-crd/#spec
   */
  readonly pullEndpoint?: string;
  /**
   * Pool for the zone's metadata, index and log; must be replicated.
   * @default - replicated, size 3, failure domain host
   * @see https://rook.io/docs/rook/latest/CRDs/Object-Storage/ceph-object-zone-crd/#pools
   */
  readonly metadataPool?: CephPoolProps;
  /**
   * Pool for object data.
   * @default - replicated, size 3, failure domain host
   * @see https://rook.io/docs/rook/latest/CRDs/Object-Storage/ceph-object-zone-crd/#pools
   */
  readonly dataPool?: CephPoolProps;
  /**
   * Keep the zone's pools (and so its objects) when the CephObjectZone is deleted.
   * @default true
   * @see https://rook.io/docs/rook/latest/CRDs/Object-Storage/ceph-object-zone-crd/#spec
   */
  readonly preservePoolsOnDelete?: boolean;
  /**
   * The zone's gateway pods.
   * @default - one gateway on port 80
   */
  readonly gateway?: CephMultisiteGatewayProps;
  /**
   * Expose the gateway through an Ingress.
   * @default - no Ingress
   */
  readonly ingress?: CephMultisiteIngressProps;
}

/**
 * RGW multisite sync options, set through each store's `gateway.rgwConfig`.
 * @see https://docs.ceph.com/en/latest/radosgw/config-ref/#multisite-settings
 */
export interface RgwSyncTuning {
  /**
   * Data sync shards processed at once (`rgw_data_sync_spawn_window`).
   * @default - Ceph's default (20)
   */
  readonly dataSyncSpawnWindow?: number;
  /**
   * Metadata sync shards processed at once (`rgw_meta_sync_spawn_window`).
   * @default - Ceph's default (20)
   */
  readonly metaSyncSpawnWindow?: number;
  /**
   * How long a gateway holds a sync lease (`rgw_sync_lease_period`). Shorter means a restarted
   * gateway resumes sync sooner.
   * @default - Ceph's default (120)
   */
  readonly syncLeasePeriodSeconds?: number;
}

export interface CephMultisiteProps {
  /** Realm name. The secondaries need the master's `<realmName>-keys` Secret (see README). */
  readonly realmName: string;
  /** Zone group name, the same on every cluster. */
  readonly zoneGroupName: string;
  /** Object store name on every cluster; Rook's gateway service is `rook-ceph-rgw-<objectStoreName>`. */
  readonly objectStoreName: string;
  /** The zones, one per cluster; at least two. */
  readonly zones: readonly CephMultisiteZoneProps[];
  /**
   * Namespace of the Rook cluster on every cluster.
   * @default 'rook-ceph'
   * @see https://rook.io/docs/rook/latest/CRDs/Object-Storage/ceph-object-realm-crd/#metadata
   */
  readonly namespace?: string;
  /**
   * Multisite sync tuning for every zone's gateways.
   * @default - Ceph's defaults
   */
  readonly syncTuning?: RgwSyncTuning;
  /**
   * Annotate objects with `argocd.argoproj.io/sync-wave` so Argo CD applies
   * Realm, ZoneGroup, Zone, then ObjectStore and Ingress.
   * @default true
   * @see https://argo-cd.readthedocs.io/en/stable/user-guide/sync-waves/
   */
  readonly syncWaves?: boolean;
}

/** Argo CD sync wave per object, in apply order. */
const SYNC_WAVES = { realm: 0, zoneGroup: 1, zone: 2, objectStore: 3, ingress: 3 } as const;

const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';

const DEFAULT_INGRESS_ANNOTATIONS: Readonly<Record<string, string>> = {
  'nginx.ingress.kubernetes.io/proxy-body-size': '0',
  'nginx.ingress.kubernetes.io/proxy-read-timeout': '600',
};

const DEFAULT_POOL: CephPoolProps = { replicated: { size: 3 } };

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const HTTP_URL = /^https?:\/\/[^\s/]+/;

interface ResolvedZone {
  readonly name: string;
  readonly master: boolean;
  readonly endpoints: readonly string[];
  readonly pullEndpoint?: string;
  readonly metadataPool: CephPoolProps;
  readonly dataPool: CephPoolProps;
  readonly preservePoolsOnDelete: boolean;
  readonly gateway: CephMultisiteGatewayProps & { readonly instances: number; readonly port: number };
  readonly ingress?: CephMultisiteIngressProps;
}

/**
 * A Rook Ceph object store replicated across clusters with RGW multisite: one realm, one zone group,
 * one zone per cluster. Renders one Chart per zone into `scope` (id = zone name), holding, in apply
 * order, the CephObjectRealm (pulled from the master on secondaries), CephObjectZoneGroup,
 * CephObjectZone, CephObjectStore and, optionally, an Ingress.
 *
 * Never renders realm keys: each secondary needs the master's `<realmName>-keys` Secret, copied or
 * synced by the user (see README).
 *
 * @see https://rook.io/docs/rook/latest/Storage-Configuration/Object-Storage-RGW/ceph-object-multisite/
 */
export class CephMultisite extends Construct {
  /** Name of the Secret holding the realm's system user keys, which every secondary needs. */
  readonly realmKeysSecretName: string;
  /** Name of the master zone. */
  readonly masterZoneName: string;
  readonly namespace: string;

  private readonly charts = new Map<string, Chart>();

  constructor(scope: Construct, id: string, props: CephMultisiteProps) {
    super(scope, id);
    const zones = resolveZones(this.node.path, props);
    const master = zones.find((zone) => zone.master);
    if (!master) throw new Error(`${this.node.path}: no master zone after validation`);

    this.masterZoneName = master.name;
    this.namespace = props.namespace ?? 'rook-ceph';
    this.realmKeysSecretName = `${props.realmName}-keys`;
    const rgwConfig = syncTuningConfig(props.syncTuning ?? {});
    const syncWaves = props.syncWaves ?? true;

    for (const zone of zones) {
      const chart = new Chart(scope, zone.name, { namespace: this.namespace });
      this.charts.set(zone.name, chart);
      const metadata = (name: string, wave: number) => ({ name, annotations: syncWaveAnnotations(syncWaves, wave) });

      const realm = new rook.CephObjectRealm(chart, 'Realm', {
        metadata: metadata(props.realmName, SYNC_WAVES.realm),
        spec: zone.pullEndpoint ? { pull: { endpoint: zone.pullEndpoint } } : {},
      });
      const zoneGroup = new rook.CephObjectZoneGroup(chart, 'ZoneGroup', {
        metadata: metadata(props.zoneGroupName, SYNC_WAVES.zoneGroup),
        spec: { realm: props.realmName },
      });
      const cephZone = new rook.CephObjectZone(chart, 'Zone', {
        metadata: metadata(zone.name, SYNC_WAVES.zone),
        spec: {
          zoneGroup: props.zoneGroupName,
          metadataPool: renderPool(zone.metadataPool),
          dataPool: renderPool(zone.dataPool),
          customEndpoints: zone.endpoints.length > 0 ? [...zone.endpoints] : undefined,
          preservePoolsOnDelete: zone.preservePoolsOnDelete,
        },
      });
      const { gateway } = zone;
      const store = new rook.CephObjectStore(chart, 'ObjectStore', {
        metadata: metadata(props.objectStoreName, SYNC_WAVES.objectStore),
        spec: {
          zone: { name: zone.name },
          gateway: {
            instances: gateway.instances,
            port: gateway.port,
            securePort: gateway.securePort,
            sslCertificateRef: gateway.sslCertificateRef,
            caBundleRef: gateway.caBundleRef,
            resources: gateway.resources,
            placement: gateway.placement,
            rgwConfig: nonEmpty({ ...rgwConfig, ...gateway.rgwConfig }),
          },
        },
      });
      zoneGroup.addDependency(realm);
      cephZone.addDependency(zoneGroup);
      store.addDependency(cephZone);

      if (zone.ingress) {
        const annotations = syncWaveAnnotations(syncWaves, SYNC_WAVES.ingress);
        const ingress = renderIngress(chart, props.objectStoreName, zone.ingress, gateway.port, annotations);
        ingress.addDependency(store);
      }
    }
  }

  /** The Chart rendered for a zone. */
  chart(zoneName: string): Chart {
    const chart = this.charts.get(zoneName);
    if (!chart) throw new Error(`${this.node.path}: no zone named ${JSON.stringify(zoneName)}`);
    return chart;
  }
}

function resolveZones(path: string, props: CephMultisiteProps): ResolvedZone[] {
  const problems = new Problems(path);
  const { zones } = props;
  for (const prop of ['realmName', 'zoneGroupName', 'objectStoreName'] as const) {
    problems.check(DNS_LABEL.test(props[prop]), prop, 'must be a DNS-1123 label', props[prop]);
  }
  if (props.namespace !== undefined) {
    problems.check(DNS_LABEL.test(props.namespace), 'namespace', 'must be a DNS-1123 label', props.namespace);
  }
  const names = zones.map((zone) => zone.name);
  problems.check(zones.length >= 2, 'zones', 'must list at least 2 zones', names);
  const marked = zones.filter((zone) => zone.master === true);
  problems.check(marked.length <= 1, 'zones', 'must mark at most one zone as master', marked.map((z) => z.name));
  const masterIndex = marked.length === 1 ? zones.findIndex((zone) => zone.master === true) : 0;
  const masterZone = zones[masterIndex];
  const masterEndpoint = masterZone && endpointsOf(masterZone)[0];

  const resolved = zones.map((zone, index): ResolvedZone => {
    const at = `zones[${index}]`;
    problems.check(DNS_LABEL.test(zone.name), `${at}.name`, 'must be a DNS-1123 label', zone.name);
    problems.check(names.indexOf(zone.name) === index, `${at}.name`, 'must be unique', zone.name);
    const endpoints = endpointsOf(zone);
    endpoints.forEach((endpoint, i) => checkEndpoint(problems, `${at}.endpoints[${i}]`, endpoint));
    const master = index === masterIndex;
    const { pullEndpoint } = zone;
    if (master) {
      problems.check(pullEndpoint === undefined, `${at}.pullEndpoint`, 'must not be set on the master zone', pullEndpoint);
    } else if (pullEndpoint !== undefined) {
      checkEndpoint(problems, `${at}.pullEndpoint`, pullEndpoint);
    } else {
      const rule = `must be set because the master zone ${JSON.stringify(masterZone?.name)} has no endpoints or ingress`;
      problems.check(masterEndpoint !== undefined, `${at}.pullEndpoint`, rule, pullEndpoint);
    }
    const metadataPool = zone.metadataPool ?? DEFAULT_POOL;
    const dataPool = zone.dataPool ?? DEFAULT_POOL;
    checkPool(problems, `${at}.metadataPool`, metadataPool);
    checkPool(problems, `${at}.dataPool`, dataPool);
    const ecRule = 'must not be set: RGW metadata pools must be replicated';
    problems.check(!metadataPool.erasureCoded, `${at}.metadataPool.erasureCoded`, ecRule, metadataPool.erasureCoded);
    const gateway = { ...zone.gateway, instances: zone.gateway?.instances ?? 1, port: zone.gateway?.port ?? 80 };
    checkGateway(problems, `${at}.gateway`, gateway);
    if (zone.ingress) {
      const { host, tlsSecretName } = zone.ingress;
      problems.check(DNS_NAME.test(host), `${at}.ingress.host`, 'must be a DNS name', host);
      const secretProp = `${at}.ingress.tlsSecretName`;
      problems.check(DNS_NAME.test(tlsSecretName), secretProp, 'must be a Secret name', tlsSecretName);
    }
    return {
      name: zone.name,
      master,
      endpoints,
      pullEndpoint: master ? undefined : (pullEndpoint ?? masterEndpoint),
      metadataPool,
      dataPool,
      preservePoolsOnDelete: zone.preservePoolsOnDelete ?? true,
      gateway,
      ingress: zone.ingress,
    };
  });

  for (const [key, value] of Object.entries(props.syncTuning ?? {})) {
    if (value !== undefined) problems.checkInteger(`syncTuning.${key}`, value, 1);
  }
  problems.throwIfAny();
  return resolved;
}

/** A zone's `customEndpoints`: as given, else its Ingress host over https. */
function endpointsOf(zone: CephMultisiteZoneProps): readonly string[] {
  return zone.endpoints ?? (zone.ingress ? [`https://${zone.ingress.host}`] : []);
}

function checkEndpoint(problems: Problems, prop: string, endpoint: string): void {
  if (!problems.check(HTTP_URL.test(endpoint), prop, 'must be an http:// or https:// URL', endpoint)) return;
  if (endpoint.startsWith('http://')) {
    const rule = 'should use https: sync requests and object data cross it in the clear';
    process.emitWarning(formatProblem({ prop, rule, value: endpoint }), { code: 'BUCKETBRIDGE_INSECURE_ENDPOINT' });
  }
}

function checkPool(problems: Problems, prop: string, pool: CephPoolProps): void {
  const { replicated, erasureCoded } = pool;
  const oneKind = (replicated === undefined) !== (erasureCoded === undefined);
  if (!problems.check(oneKind, prop, 'must set exactly one of replicated and erasureCoded', pool)) return;
  if (replicated && problems.checkInteger(`${prop}.replicated.size`, replicated.size, 1)) {
    const safe = replicated.size > 1 || replicated.requireSafeReplicaSize === false;
    const rule = 'must be at least 2 unless requireSafeReplicaSize is false';
    problems.check(safe, `${prop}.replicated.size`, rule, replicated.size);
  }
  if (erasureCoded) {
    problems.checkInteger(`${prop}.erasureCoded.dataChunks`, erasureCoded.dataChunks, 2);
    problems.checkInteger(`${prop}.erasureCoded.codingChunks`, erasureCoded.codingChunks, 1);
  }
}

function checkGateway(problems: Problems, prop: string, gateway: ResolvedZone['gateway']): void {
  problems.checkInteger(`${prop}.instances`, gateway.instances, 1);
  problems.checkInteger(`${prop}.port`, gateway.port, 1, 65535);
  if (gateway.securePort !== undefined) {
    problems.checkInteger(`${prop}.securePort`, gateway.securePort, 1, 65535);
    const { sslCertificateRef } = gateway;
    const rule = 'must be set when securePort is set';
    problems.check(sslCertificateRef !== undefined, `${prop}.sslCertificateRef`, rule, sslCertificateRef);
  }
}

function syncTuningConfig(tuning: RgwSyncTuning): Record<string, string> {
  const options: Record<string, number | undefined> = {
    rgw_data_sync_spawn_window: tuning.dataSyncSpawnWindow,
    rgw_meta_sync_spawn_window: tuning.metaSyncSpawnWindow,
    rgw_sync_lease_period: tuning.syncLeasePeriodSeconds,
  };
  return Object.fromEntries(
    Object.entries(options).flatMap(([key, value]) => (value === undefined ? [] : [[key, String(value)]])),
  );
}

function renderPool(pool: CephPoolProps) {
  return {
    failureDomain: pool.failureDomain ?? 'host',
    deviceClass: pool.deviceClass,
    replicated: pool.replicated,
    erasureCoded: pool.erasureCoded,
  };
}

function renderIngress(
  chart: Chart,
  objectStoreName: string,
  ingress: CephMultisiteIngressProps,
  port: number,
  syncWave: Readonly<Record<string, string>> | undefined,
): ApiObject {
  return new k8s.KubeIngress(chart, 'Ingress', {
    metadata: {
      name: objectStoreName,
      annotations: { ...syncWave, ...DEFAULT_INGRESS_ANNOTATIONS, ...ingress.annotations },
    },
    spec: {
      ingressClassName: ingress.className,
      tls: [{ hosts: [ingress.host], secretName: ingress.tlsSecretName }],
      rules: [
        {
          host: ingress.host,
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: `rook-ceph-rgw-${objectStoreName}`, port: { number: port } } },
              },
            ],
          },
        },
      ],
    },
  });
}

function syncWaveAnnotations(enabled: boolean, wave: number): Record<string, string> | undefined {
  return enabled ? { [SYNC_WAVE_ANNOTATION]: String(wave) } : undefined;
}

function nonEmpty(record: Record<string, string>): Record<string, string> | undefined {
  return Object.keys(record).length > 0 ? record : undefined;
}
