import { Construct } from 'constructs';
import { CephMultisite } from '../../lib/k8s';

/**
 * The runbook's two on-prem clusters: realm `rciis`, zone group `rciis-sites`, master zone `site-a`
 * and secondary zone `site-b`, each serving the store `multisite-store` behind an NGINX Ingress.
 * Renders the charts `site-a` and `site-b` into `scope`.
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
