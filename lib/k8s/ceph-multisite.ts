import { ApiObject, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import * as rook from '../../imports/ceph.rook.io';
import { type FluxHealthCheckRef, Problems, ROOK_API_VERSION, formatProblem } from '../model';

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
  /**
   * Ceph pool properties set on the pool (`ceph osd pool set <pool> <key> <value>`), e.g.
   * `{ bulk: 'true' }` for a data pool that will hold most of the cluster's data, or
   * `{ compression_mode: 'aggressive' }`.
   * @default - none
   * @see https://rook.io/docs/rook/latest/CRDs/Block-Storage/ceph-block-pool-crd/#pool-settings
   * @see https://docs.ceph.com/en/latest/rados/operations/pools/#setting-pool-values
   */
  readonly parameters?: Readonly<Record<string, string>>;
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
 * CPU and memory of the gateway pods, as Kubernetes quantities (`'500m'`, `'2Gi'`).
 * @see https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
 */
export interface CephResourceRequirements {
  /**
   * Resources the scheduler reserves per pod, e.g. `{ cpu: '1', memory: '2Gi' }`.
   * @default - none
   */
  readonly requests?: Readonly<Record<string, string>>;
  /**
   * Most a pod may use, e.g. `{ memory: '4Gi' }`.
   * @default - none
   */
  readonly limits?: Readonly<Record<string, string>>;
}

/**
 * A Kubernetes toleration: lets the gateway pods run on nodes with a matching taint.
 * @see https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/
 */
export interface CephToleration {
  /**
   * Taint key; with operator `Exists` and no key, every taint is tolerated.
   * @default - every key
   */
  readonly key?: string;
  /**
   * `Equal` matches `value`; `Exists` matches any value.
   * @default 'Equal'
   */
  readonly operator?: 'Equal' | 'Exists';
  /**
   * Taint value, with operator `Equal`.
   * @default - empty
   */
  readonly value?: string;
  /**
   * Taint effect to tolerate.
   * @default - every effect
   */
  readonly effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  /**
   * With effect `NoExecute`: how long the pod stays on a node once the taint appears.
   * @default - forever
   */
  readonly tolerationSeconds?: number;
}

/**
 * Where the gateway pods run (Rook's `placement`, a subset of it).
 * @see https://rook.io/docs/rook/latest/CRDs/Object-Storage/ceph-object-store-crd/#gateway-settings
 */
export interface CephPlacementProps {
  /**
   * Only run on nodes carrying all of these labels (rendered as a required node affinity).
   * @default - any node
   */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /**
   * Taints the pods tolerate.
   * @default - none
   */
  readonly tolerations?: readonly CephToleration[];
}

/**
 * The RADOS Gateway pods of a zone's CephObjectStore.
 * @see https://rook.io/docs/rook/latest/CRDs/Object-Storage/ceph-object-store-crd/#gateway-settings
 */
export interface CephMultisiteGatewayProps {
  /**
   * Gateway pods. Rook recommends one gateway running the sync thread per zone; to serve clients
   * with more, add a `clientGateway` to the zone.
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
  readonly resources?: CephResourceRequirements;
  /**
   * Nodes the gateway pods may run on.
   * @default - no placement constraints
   */
  readonly placement?: CephPlacementProps;
  /**
   * Further Ceph RGW options for this store's gateways. Overrides `syncTuning` for the same key.
   * @default - only the options from `syncTuning`
   */
  readonly rgwConfig?: Readonly<Record<string, string>>;
  /**
   * Stop these gateways from transmitting multisite replication data (`gateway.disableMultisiteSyncTraffic`).
   * Only meaningful with a `clientGateway` beside it; at least one store per zone must sync.
   * @default - Rook's default: the gateways sync
   * @see https://rook.io/docs/rook/latest/Storage-Configuration/Object-Storage-RGW/ceph-object-multisite/#scaling-a-multisite
   */
  readonly disableMultisiteSyncTraffic?: boolean;
}

/**
 * The gateways of a second CephObjectStore in the same zone that serve clients only: their
 * `gateway.disableMultisiteSyncTraffic` is `true`, so they scale without slowing replication down.
 * @see https://rook.io/docs/rook/latest/Storage-Configuration/Object-Storage-RGW/ceph-object-multisite/#scaling-a-multisite
 */
export interface CephMultisiteClientGatewayProps extends Omit<CephMultisiteGatewayProps, 'disableMultisiteSyncTraffic'> {
  /**
   * Expose the client gateways through their own Ingress (service `rook-ceph-rgw-<clientObjectStoreName>`).
   * @default - no Ingress
   */
  readonly ingress?: CephMultisiteIngressProps;
}

/**
 * An Ingress in front of a store's gateway service `rook-ceph-rgw-<store name>`.
 * @see https://kubernetes.io/docs/concepts/services-networking/ingress/
 */
export interface CephMultisiteIngressProps {
  /** Externally reachable host name, e.g. `s3.site-a.example.com`; not a cluster-local name. */
  readonly host: string;
  /** Name of the `kubernetes.io/tls` Secret for `host` (and `*.<host>` with `virtualHostedStyle`). */
  readonly tlsSecretName: string;
  /**
   * IngressClass to use (`spec.ingressClassName`).
   * @default - the cluster's default IngressClass
   * @see https://kubernetes.io/docs/concepts/services-networking/ingress/#ingress-class
   */
  readonly className?: string;
  /**
   * Add the ingress-nginx annotations for S3 traffic: `proxy-body-size` (`maxBodySize`),
   * `proxy-request-buffering: "off"` (stream uploads to the gateway instead of spooling them to the
   * ingress pods' disks), `proxy-read-timeout` and `proxy-send-timeout` of 600 s. Other controllers
   * ignore them; docs/ceph-multisite.md lists their equivalents, to set through `annotations`.
   * @default - true when `className` is `nginx` or unset (the default class is assumed to be
   * ingress-nginx), false for any other class
   * @see https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/
   */
  readonly nginxAnnotations?: boolean;
  /**
   * Largest request body the ingress accepts (ingress-nginx `proxy-body-size`): `'0'` for no
   * limit, or a size such as `'512m'` or `'5g'`. S3 single PUTs go up to 5 GiB.
   * @default '0'
   */
  readonly maxBodySize?: string;
  /**
   * Serve virtual-hosted-style requests (`<bucket>.<host>`): adds `*.<host>` to the Ingress rules
   * and TLS hosts (the certificate must cover it) and `host` to the store's `hosting.dnsNames`,
   * without which RGW takes `<bucket>.<host>` for a bucket-less request.
   * @default false
   * @see https://rook.io/docs/rook/latest/Storage-Configuration/Object-Storage-RGW/object-storage/#virtual-host-style-bucket-access
   */
  readonly virtualHostedStyle?: boolean;
  /**
   * Annotations merged over the defaults above.
   * @default - only the defaults
   */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** One zone: one Ceph cluster of the realm. */
export interface CephMultisiteZoneProps {
  /** Zone name. Also the id of the zone's Chart under the construct. */
  readonly name: string;
  /**
   * Whether this is the master zone, which creates the realm; the others pull it.
   * @default - the first zone is the master when no zone sets this
   */
  readonly master?: boolean;
  /**
   * URLs at which the other clusters reach this zone's sync-serving gateways (the zone's
   * `customEndpoints`). Use https. Every zone needs `endpoints` or `ingress`: without them Rook
   * advertises its ClusterIP service `rook-ceph-rgw-<objectStoreName>.<namespace>.svc`, which
   * every cluster resolves to its own gateway. Cluster-local names are refused.
   * @default - `https://<ingress.host>` when `ingress` is set
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
   * The gateways of the store `objectStoreName`, which run the sync thread.
   * @default - one gateway on port 80
   */
  readonly gateway?: CephMultisiteGatewayProps;
  /**
   * Expose the store `objectStoreName` through an Ingress; its host becomes the zone's endpoint.
   * @default - no Ingress
   */
  readonly ingress?: CephMultisiteIngressProps;
  /**
   * Serve clients from a second store `clientObjectStoreName` in this zone whose gateways do not
   * sync, leaving `gateway` (best with one instance) to replication.
   * @default - the one store serves clients and sync
   * @see https://rook.io/docs/rook/latest/Storage-Configuration/Object-Storage-RGW/ceph-object-multisite/#scaling-a-multisite
   */
  readonly clientGateway?: CephMultisiteClientGatewayProps;
  /**
   * DNS names the client-serving store (`clientGateway`'s when set, else `objectStoreName`)
   * accepts S3 requests on (`hosting.dnsNames`), without wildcards; RGW then rejects other host
   * names, except the service name and `endpoints`, which Rook adds. Needed for
   * virtual-hosted-style requests.
   * @default - the store's Ingress host when that Ingress has `virtualHostedStyle`, else none
   * @see https://rook.io/docs/rook/latest/CRDs/Object-Storage/ceph-object-store-crd/#hosting-settings
   */
  readonly dnsNames?: readonly string[];
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
  /** Realm name. The secondaries need the master's `<realmName>-keys` Secret (see docs/ceph-multisite.md). */
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
   * Name of the client-serving store of zones with a `clientGateway`.
   * @default - `<objectStoreName>-clients`
   */
  readonly clientObjectStoreName?: string;
  /**
   * Make the realm Ceph's default realm on every cluster (`CephObjectRealm` `spec.defaultRealm`), so
   * `radosgw-admin` commands without `--rgw-realm` act on it. Only one realm per cluster may be default.
   * @default false
   * @see https://rook.io/docs/rook/latest/CRDs/Object-Storage/ceph-object-realm-crd/#spec
   */
  readonly defaultRealm?: boolean;
  /**
   * Multisite sync tuning for every zone's gateways.
   * @default - Ceph's defaults
   */
  readonly syncTuning?: RgwSyncTuning;
  /**
   * Annotate objects with `argocd.argoproj.io/sync-wave` so Argo CD applies
   * Realm, ZoneGroup, Zone, then ObjectStores and Ingresses. Argo CD waits for a wave to be
   * healthy only with the Rook health checks installed (`argoCdRookHealthCustomizations`).
   * @default true
   * @see https://argo-cd.readthedocs.io/en/stable/user-guide/sync-waves/
   */
  readonly syncWaves?: boolean;
}

/** Argo CD sync wave per object, in apply order. */
const SYNC_WAVES = { realm: 0, zoneGroup: 1, zone: 2, objectStore: 3, ingress: 3 } as const;

const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';

const NGINX = 'nginx.ingress.kubernetes.io';
const NGINX_TIMEOUT_SECONDS = '600';

const DEFAULT_POOL: CephPoolProps = { replicated: { size: 3 } };

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const HTTP_URL = /^https?:\/\/[^\s/]+/;
const BODY_SIZE = /^(0|[1-9][0-9]*[kKmMgG]?)$/;
/** A Kubernetes resource quantity, e.g. `500m`, `2Gi`, `1e3`. */
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)(([KMGTPE]i)|[numkMGTPE]|[eE][+-]?\d+)?$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

type ResolvedGateway = CephMultisiteGatewayProps & { readonly instances: number; readonly port: number };

/** One CephObjectStore of a zone, with its optional Ingress. */
interface ResolvedStore {
  readonly name: string;
  readonly gateway: ResolvedGateway;
  /** The RGW options of the store: sync tuning (sync store only) merged with `gateway.rgwConfig`. */
  readonly rgwConfig: Readonly<Record<string, string>>;
  readonly ingress?: CephMultisiteIngressProps;
  readonly dnsNames?: readonly string[];
}

interface ResolvedZone {
  readonly name: string;
  readonly master: boolean;
  readonly endpoints: readonly string[];
  readonly pullEndpoint?: string;
  readonly metadataPool: CephPoolProps;
  readonly dataPool: CephPoolProps;
  readonly preservePoolsOnDelete: boolean;
  /** The sync-serving store. */
  readonly store: ResolvedStore;
  /** The client-serving store, when the zone splits client and sync traffic. */
  readonly clientStore?: ResolvedStore;
}

/**
 * A Rook Ceph object store replicated across clusters with RGW multisite: one realm, one zone group,
 * one zone per cluster. Renders one Chart per zone under this construct (id = zone name), holding, in
 * apply order, the CephObjectRealm (pulled from the master on secondaries), CephObjectZoneGroup,
 * CephObjectZone, the CephObjectStore(s) and, optionally, Ingresses.
 *
 * `cdk8s synth` names each chart's file after its construct path: `<id>-<zone>-<hash>.k8s.yaml`,
 * stable as long as the construct id and zone names stay the same (see docs/ceph-multisite.md).
 *
 * Never renders realm keys: each secondary needs the master's `<realmName>-keys` Secret, copied or
 * synced by the user (see docs/ceph-multisite.md).
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
    const syncWaves = props.syncWaves ?? true;

    for (const zone of zones) {
      const chart = new Chart(this, zone.name, { namespace: this.namespace });
      this.charts.set(zone.name, chart);
      const metadata = (name: string, wave: number) => ({ name, annotations: syncWaveAnnotations(syncWaves, wave) });

      const realm = new rook.CephObjectRealm(chart, 'Realm', {
        metadata: metadata(props.realmName, SYNC_WAVES.realm),
        spec: {
          defaultRealm: props.defaultRealm === true ? true : undefined,
          pull: zone.pullEndpoint ? { endpoint: zone.pullEndpoint } : undefined,
        },
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
          customEndpoints: [...zone.endpoints],
          preservePoolsOnDelete: zone.preservePoolsOnDelete,
        },
      });
      zoneGroup.addDependency(realm);
      cephZone.addDependency(zoneGroup);

      const stores: [string, ResolvedStore][] = [['', zone.store]];
      if (zone.clientStore) stores.push(['Client', zone.clientStore]);
      const rendered = stores.map(([prefix, store]) => {
        const object = new rook.CephObjectStore(chart, `${prefix}ObjectStore`, {
          metadata: metadata(store.name, SYNC_WAVES.objectStore),
          spec: {
            zone: { name: zone.name },
            gateway: renderGateway(store),
            hosting: store.dnsNames ? { dnsNames: [...store.dnsNames] } : undefined,
          },
        });
        object.addDependency(cephZone);
        return [prefix, store, object] as const;
      });
      for (const [prefix, store, object] of rendered) {
        if (!store.ingress) continue;
        const annotations = syncWaveAnnotations(syncWaves, SYNC_WAVES.ingress);
        const ingress = renderIngress(chart, `${prefix}Ingress`, store.name, store.ingress, store.gateway.port, annotations);
        ingress.addDependency(object);
      }
    }
  }

  /** The Chart rendered for a zone. */
  chart(zoneName: string): Chart {
    const chart = this.charts.get(zoneName);
    if (!chart) throw new Error(`${this.node.path}: no zone named ${JSON.stringify(zoneName)}`);
    return chart;
  }

  /**
   * The Rook objects of a zone's chart, in apply order, as entries of a Flux Kustomization's
   * `spec.healthChecks`; pair them with `fluxRookHealthCheckExprs()` in `spec.healthCheckExprs`.
   */
  fluxHealthChecks(zoneName: string): FluxHealthCheckRef[] {
    return this.chart(zoneName)
      .node.findAll()
      .filter((child): child is ApiObject => child instanceof ApiObject && child.apiVersion === ROOK_API_VERSION)
      .map((object) => ({ apiVersion: object.apiVersion, kind: object.kind, name: object.name, namespace: this.namespace }));
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
  const clientStoreName = props.clientObjectStoreName ?? `${props.objectStoreName}-clients`;
  if (props.clientObjectStoreName !== undefined) {
    const name = props.clientObjectStoreName;
    if (problems.check(DNS_LABEL.test(name), 'clientObjectStoreName', 'must be a DNS-1123 label', name)) {
      problems.check(name !== props.objectStoreName, 'clientObjectStoreName', 'must differ from objectStoreName', name);
    }
  }
  const names = zones.map((zone) => zone.name);
  problems.check(zones.length >= 2, 'zones', 'must list at least 2 zones', names);
  const marked = zones.filter((zone) => zone.master === true);
  problems.check(marked.length <= 1, 'zones', 'must mark at most one zone as master', marked.map((z) => z.name));
  const masterIndex = marked.length === 1 ? zones.findIndex((zone) => zone.master === true) : 0;
  const masterZone = zones[masterIndex];
  const masterEndpoint = masterZone && endpointsOf(masterZone)[0];
  const namespace = props.namespace ?? 'rook-ceph';
  const syncConfig = syncTuningConfig(props.syncTuning ?? {});

  const resolved = zones.map((zone, index): ResolvedZone => {
    const at = `zones[${index}]`;
    problems.check(DNS_LABEL.test(zone.name), `${at}.name`, 'must be a DNS-1123 label', zone.name);
    problems.check(names.indexOf(zone.name) === index, `${at}.name`, 'must be unique', zone.name);
    const endpoints = endpointsOf(zone);
    if (endpoints.length === 0) {
      const service = `rook-ceph-rgw-${props.objectStoreName}.${namespace}.svc`;
      const rule =
        `must be set, or 'ingress', so that the other zones reach zone ${JSON.stringify(zone.name)} ` +
        `(Rook would advertise ${service}, which every cluster resolves to its own gateway)`;
      problems.add(`${at}.endpoints`, rule, zone.endpoints);
    }
    if (zone.endpoints) zone.endpoints.forEach((endpoint, i) => checkEndpoint(problems, `${at}.endpoints[${i}]`, endpoint));
    const master = index === masterIndex;
    const { pullEndpoint } = zone;
    if (master) {
      problems.check(pullEndpoint === undefined, `${at}.pullEndpoint`, 'must not be set on the master zone', pullEndpoint);
    } else if (pullEndpoint !== undefined) {
      checkEndpoint(problems, `${at}.pullEndpoint`, pullEndpoint);
    }
    const metadataPool = zone.metadataPool ?? DEFAULT_POOL;
    const dataPool = zone.dataPool ?? DEFAULT_POOL;
    checkPool(problems, `${at}.metadataPool`, metadataPool);
    checkPool(problems, `${at}.dataPool`, dataPool);
    const ecRule = 'must not be set: RGW metadata pools must be replicated';
    problems.check(!metadataPool.erasureCoded, `${at}.metadataPool.erasureCoded`, ecRule, metadataPool.erasureCoded);
    const gateway = resolveGateway(zone.gateway ?? {});
    checkGateway(problems, `${at}.gateway`, gateway);
    if (zone.ingress) checkIngress(problems, `${at}.ingress`, zone.ingress);
    zone.dnsNames?.forEach((name, i) => {
      const rule = 'must be a DNS name without the wildcard (Rook serves its subdomains)';
      problems.check(DNS_NAME.test(name), `${at}.dnsNames[${i}]`, rule, name);
    });
    const { clientGateway } = zone;
    let clientStore: ResolvedStore | undefined;
    if (clientGateway) {
      const { ingress, ...gatewayProps } = clientGateway;
      const resolvedClient = { ...resolveGateway(gatewayProps), disableMultisiteSyncTraffic: true };
      checkGateway(problems, `${at}.clientGateway`, resolvedClient);
      if (ingress) checkIngress(problems, `${at}.clientGateway.ingress`, ingress);
      clientStore = {
        name: clientStoreName,
        gateway: resolvedClient,
        rgwConfig: { ...clientGateway.rgwConfig },
        ingress,
        dnsNames: dnsNamesOf(zone.dnsNames, ingress),
      };
    }
    if (gateway.disableMultisiteSyncTraffic === true) {
      const rule = `must not be true: no other gateway of zone ${JSON.stringify(zone.name)} would transmit its changes to the other zones`;
      problems.add(`${at}.gateway.disableMultisiteSyncTraffic`, rule, true);
    }
    const store: ResolvedStore = {
      name: props.objectStoreName,
      gateway,
      rgwConfig: { ...syncConfig, ...gateway.rgwConfig },
      ingress: zone.ingress,
      dnsNames: dnsNamesOf(clientStore ? undefined : zone.dnsNames, zone.ingress),
    };
    return {
      name: zone.name,
      master,
      endpoints,
      pullEndpoint: master ? undefined : (pullEndpoint ?? masterEndpoint),
      metadataPool,
      dataPool,
      preservePoolsOnDelete: zone.preservePoolsOnDelete ?? true,
      store,
      clientStore,
    };
  });

  for (const [key, value] of Object.entries(props.syncTuning ?? {})) {
    if (value !== undefined) problems.checkInteger(`syncTuning.${key}`, value, 1);
  }
  problems.throwIfAny();
  return resolved;
}

function resolveGateway(gateway: CephMultisiteGatewayProps): ResolvedGateway {
  return { ...gateway, instances: gateway.instances ?? 1, port: gateway.port ?? 80 };
}

/** A zone's `customEndpoints`: as given, else its Ingress host over https. */
function endpointsOf(zone: CephMultisiteZoneProps): readonly string[] {
  return zone.endpoints ?? (zone.ingress ? [`https://${zone.ingress.host}`] : []);
}

/** The client-serving store's `hosting.dnsNames`: as given, else the virtual-hosted Ingress host. */
function dnsNamesOf(dnsNames: readonly string[] | undefined, ingress: CephMultisiteIngressProps | undefined): readonly string[] | undefined {
  if (dnsNames) return dnsNames;
  return ingress?.virtualHostedStyle ? [ingress.host] : undefined;
}

/**
 * Whether a host name only resolves inside a Kubernetes cluster: a Service name (`<svc>`,
 * `<svc>.<ns>.svc`, `<svc>.<ns>.svc.cluster.local`) or anything under `cluster.local`. Every cluster
 * resolves such a name to its own Service, never to the peer zone's.
 */
function isClusterLocal(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name.startsWith('[') || IPV4.test(name)) return false;
  return !name.includes('.') || name.endsWith('.svc') || name.endsWith('.cluster.local') || name === 'cluster.local';
}

const CLUSTER_LOCAL_RULE = 'must be reachable from the other clusters, not a cluster-local service name';

function checkEndpoint(problems: Problems, prop: string, endpoint: string): void {
  if (!problems.check(HTTP_URL.test(endpoint), prop, 'must be an http:// or https:// URL', endpoint)) return;
  let host: string;
  try {
    host = new URL(endpoint).hostname;
  } catch {
    problems.add(prop, 'must be an http:// or https:// URL', endpoint);
    return;
  }
  if (!problems.check(!isClusterLocal(host), prop, CLUSTER_LOCAL_RULE, endpoint)) return;
  if (endpoint.startsWith('http://')) {
    const rule = 'should use https: sync requests and object data cross it in the clear';
    process.emitWarning(formatProblem({ prop, rule, value: endpoint }), { code: 'BUCKETBRIDGE_INSECURE_ENDPOINT' });
  }
}

function checkIngress(problems: Problems, prop: string, ingress: CephMultisiteIngressProps): void {
  const { host, tlsSecretName, maxBodySize } = ingress;
  if (problems.check(DNS_NAME.test(host), `${prop}.host`, 'must be a DNS name', host)) {
    problems.check(!isClusterLocal(host), `${prop}.host`, CLUSTER_LOCAL_RULE, host);
  }
  problems.check(DNS_NAME.test(tlsSecretName), `${prop}.tlsSecretName`, 'must be a Secret name', tlsSecretName);
  if (maxBodySize !== undefined) {
    const rule = 'must be 0 (no limit) or a size such as 512m or 5g';
    problems.check(BODY_SIZE.test(maxBodySize), `${prop}.maxBodySize`, rule, maxBodySize);
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

function checkGateway(problems: Problems, prop: string, gateway: ResolvedGateway): void {
  problems.checkInteger(`${prop}.instances`, gateway.instances, 1);
  problems.checkInteger(`${prop}.port`, gateway.port, 1, 65535);
  if (gateway.securePort !== undefined) {
    problems.checkInteger(`${prop}.securePort`, gateway.securePort, 1, 65535);
    const { sslCertificateRef } = gateway;
    const rule = 'must be set when securePort is set';
    problems.check(sslCertificateRef !== undefined, `${prop}.sslCertificateRef`, rule, sslCertificateRef);
  }
  for (const kind of ['requests', 'limits'] as const) {
    for (const [resource, quantity] of Object.entries(gateway.resources?.[kind] ?? {})) {
      const rule = 'must be a Kubernetes quantity such as 500m or 2Gi';
      problems.check(QUANTITY.test(quantity), `${prop}.resources.${kind}.${resource}`, rule, quantity);
    }
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

// Rendering: the only place that maps the library's props to the generated Rook types.

function renderPool(pool: CephPoolProps) {
  return {
    failureDomain: pool.failureDomain ?? 'host',
    deviceClass: pool.deviceClass,
    replicated: pool.replicated && { ...pool.replicated },
    erasureCoded: pool.erasureCoded && { ...pool.erasureCoded },
    parameters: pool.parameters && { ...pool.parameters },
  };
}

function renderGateway(store: ResolvedStore): rook.CephObjectStoreSpecGateway {
  const { gateway } = store;
  return {
    instances: gateway.instances,
    port: gateway.port,
    securePort: gateway.securePort,
    sslCertificateRef: gateway.sslCertificateRef,
    caBundleRef: gateway.caBundleRef,
    resources: gateway.resources && renderResources(gateway.resources),
    placement: gateway.placement && renderPlacement(gateway.placement),
    disableMultisiteSyncTraffic: gateway.disableMultisiteSyncTraffic,
    rgwConfig: nonEmpty(store.rgwConfig),
  };
}

function renderResources(resources: CephResourceRequirements): rook.CephObjectStoreSpecGatewayResources {
  const quantities = <T>(values: Readonly<Record<string, string>> | undefined, from: (quantity: string) => T) =>
    values && Object.fromEntries(Object.entries(values).map(([resource, quantity]) => [resource, from(quantity)]));
  return {
    requests: quantities(resources.requests, (q) => rook.CephObjectStoreSpecGatewayResourcesRequests.fromString(q)),
    limits: quantities(resources.limits, (q) => rook.CephObjectStoreSpecGatewayResourcesLimits.fromString(q)),
  };
}

function renderPlacement(placement: CephPlacementProps): rook.CephObjectStoreSpecGatewayPlacement {
  const labels = Object.entries(placement.nodeSelector ?? {});
  const matchExpressions = labels.map(([key, value]) => ({ key, operator: 'In', values: [value] }));
  return {
    nodeAffinity:
      matchExpressions.length > 0
        ? { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions }] } }
        : undefined,
    tolerations: placement.tolerations?.map((toleration) => ({ ...toleration })),
  };
}

function nginxAnnotations(ingress: CephMultisiteIngressProps): Record<string, string> {
  const enabled = ingress.nginxAnnotations ?? (ingress.className === undefined || ingress.className === 'nginx');
  if (!enabled) return {};
  return {
    [`${NGINX}/proxy-body-size`]: ingress.maxBodySize ?? '0',
    [`${NGINX}/proxy-request-buffering`]: 'off',
    [`${NGINX}/proxy-read-timeout`]: NGINX_TIMEOUT_SECONDS,
    [`${NGINX}/proxy-send-timeout`]: NGINX_TIMEOUT_SECONDS,
  };
}

function renderIngress(
  chart: Chart,
  id: string,
  storeName: string,
  ingress: CephMultisiteIngressProps,
  port: number,
  syncWave: Readonly<Record<string, string>> | undefined,
): ApiObject {
  const hosts = ingress.virtualHostedStyle ? [ingress.host, `*.${ingress.host}`] : [ingress.host];
  const backend = { service: { name: `rook-ceph-rgw-${storeName}`, port: { number: port } } };
  return new k8s.KubeIngress(chart, id, {
    metadata: {
      name: storeName,
      annotations: { ...syncWave, ...nginxAnnotations(ingress), ...ingress.annotations },
    },
    spec: {
      ingressClassName: ingress.className,
      tls: [{ hosts, secretName: ingress.tlsSecretName }],
      rules: hosts.map((host) => ({ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } })),
    },
  });
}

function syncWaveAnnotations(enabled: boolean, wave: number): Record<string, string> | undefined {
  return enabled ? { [SYNC_WAVE_ANNOTATION]: String(wave) } : undefined;
}

function nonEmpty(record: Readonly<Record<string, string>>): Record<string, string> | undefined {
  return Object.keys(record).length > 0 ? { ...record } : undefined;
}
