import { Construct } from 'constructs';
import { CephMultisite } from '../../lib/k8s';

/**
 * The runbook's two on-prem clusters: realm `rciis`, zone group `rciis-sites`, master zone `site-a`
 * and secondary zone `site-b`, each serving the store `multisite-store` behind an NGINX Ingress whose
 * host is the zone's multisite endpoint. Renders the charts `site-a` and `site-b` under the construct
 * `rciis`, which `cdk8s synth` writes to `rciis-site-a-c847d0e5.k8s.yaml` and
 * `rciis-site-b-c888d9f3.k8s.yaml` (the suffix hashes the construct path, so it stays as long as the
 * ids do).
 */
export function rciisMultisite(scope: Construct): CephMultisite {
  const zone = (name: string) => ({
    name,
    metadataPool: { replicated: { size: 3 }, failureDomain: 'host' },
    dataPool: { replicated: { size: 3 }, failureDomain: 'host' },
    gateway: { instances: 1, port: 80 },
    ingress: { host: `s3.${name}.example.com`, tlsSecretName: 'rgw-tls', className: 'nginx' },
  });
  return new CephMultisite(scope, 'rciis', {
    realmName: 'rciis',
    zoneGroupName: 'rciis-sites',
    objectStoreName: 'multisite-store',
    zones: [{ ...zone('site-a'), master: true }, zone('site-b')],
    // A 30 s sync lease (Ceph default 120 s) lets a restarted gateway resume replication within
    // seconds instead of waiting out its previous process's leases.
    syncTuning: { syncLeasePeriodSeconds: 30 },
  });
}
