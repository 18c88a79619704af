import { describe, expect, it } from 'vitest';
import {
  awsToCephIntegration,
  cephToAwsIntegration,
  resolveCamelReplicatorProps,
  type CamelFlow,
  type CamelReplicatorProps,
} from '../../lib/model';

const props: CamelReplicatorProps = {
  buckets: [
    { cephBucket: 'media', awsBucket: 'media-replica', cephPrefix: 'public/', awsPrefix: 'from-ceph/public/' },
    { cephBucket: 'logs', awsBucket: 'logs-replica' },
  ],
  ceph: {
    objectStoreName: 'ceph-objectstore',
    externalEndpoint: 'https://rgw.example.com',
    remoteCredentials: { secretName: 'ceph-rgw-credentials' },
  },
  kafka: { bootstrapServers: 'kafka:9092' },
  aws: {
    region: 'af-south-1',
    onPremCredentials: { secretName: 'aws-s3-credentials' },
    clusterIdentity: { kind: 'podIdentity' },
  },
  loopGuard: { awsPrincipalId: 'AWS:AIDAEXAMPLEREPLICATOR01' },
};
const resolved = resolveCamelReplicatorProps('test', props);
const d1 = cephToAwsIntegration(resolved);
const d2 = awsToCephIntegration(resolved);

/** The route with this id. */
function route(flows: CamelFlow[], id: string): Record<string, unknown> {
  const found = flows.map((f) => f.route as Record<string, unknown>).find((r) => r.id === id);
  if (!found) throw new Error(`no route ${id}`);
  return found;
}

function steps(r: Record<string, unknown>): unknown[] {
  return (r.from as { steps: unknown[] }).steps;
}

describe('CamelReplicator flows', () => {
  it('splits every record of an event, each as a JSON string, instead of reading Records[0]', () => {
    const [split] = steps(route(d1.flows, 'ceph-to-aws-replicator')) as Array<{ split: { jsonpath: object } }>;
    expect(split?.split.jsonpath).toEqual({ expression: '$.Records[*]', writeAsString: true, suppressExceptions: true });
    expect(JSON.stringify(d1.flows)).not.toContain('Records[0]');
  });

  it('URL-decodes AWS keys exactly once and takes RGW keys as they are sent unless told they are encoded', () => {
    const decode = (flows: CamelFlow[]) => JSON.stringify(flows).match(/java\.net\.URLDecoder/g) ?? [];
    expect(decode(d2.flows)).toHaveLength(1);
    expect(decode(d1.flows)).toHaveLength(0);
    const encoded = resolveCamelReplicatorProps('test', { ...props, ceph: { ...props.ceph, notificationKeysUrlEncoded: true } });
    expect(decode(cephToAwsIntegration(encoded).flows)).toHaveLength(1);
  });

  it('maps each source bucket and prefix to its own destination bucket and prefix, both ways', () => {
    const text = JSON.stringify(d1.flows);
    expect(text).toContain(`"simple":"\${header.ReplicationSourceBucket} == 'media' && \${header.ReplicationSourceKey} startsWith 'public/'"`);
    expect(text).toContain('"constant":"media-replica"');
    expect(text).toContain('"simple":"from-ceph/public/${header.ReplicationSourceKey.substring(7)}"');
    expect(text).toContain('"constant":"logs-replica"');
    // The endpoint's bucket is only a default: each request names its bucket in the header aws2-s3 honours.
    expect(text).toContain('{"setHeader":{"name":"CamelAwsS3OverrideBucketName","simple":"${header.ReplicationDestinationBucket}"}}');
    expect(text).not.toContain('"CamelAwsS3BucketName"');
    const back = JSON.stringify(d2.flows);
    expect(back).toContain(`startsWith 'from-ceph/public/'`);
    expect(back).toContain('"simple":"public/${header.ReplicationSourceKey.substring(17)}"');
  });

  it('skips the other replicator’s writes by the principal id in the event', () => {
    expect(JSON.stringify(d1.flows)).toContain(`"simple":"\${header.ReplicationPrincipalId} == 's3-replicator'"`);
    expect(JSON.stringify(d2.flows)).toContain(`"simple":"\${header.ReplicationPrincipalId} == 'AWS:AIDAEXAMPLEREPLICATOR01'"`);
  });

  it('streams the source object into the destination PUT without stream caching', () => {
    const replicate = route(d1.flows, 'replicate-to-aws');
    expect(replicate.streamCache).toBe(false);
    const put = steps(replicate).find((s) => JSON.stringify(s).includes('"uri":"aws2-s3:media-replica"')) as { to: { parameters: object } };
    expect(put.to.parameters).not.toHaveProperty('operation');
  });

  it('sends a record that fails every redelivery to the dead-letter topic or queue, and fails when that fails', () => {
    for (const [plan, uri] of [[d1, 'kafka:ceph-bucket-notifications-dlq'], [d2, 'aws2-sqs:rciis-s3-replication-dlq']] as const) {
      const main = plan.flows[0]?.route as { errorHandler: { deadLetterChannel: Record<string, unknown> } };
      expect(main.errorHandler.deadLetterChannel).toMatchObject({
        useOriginalMessage: true,
        deadLetterHandleNewException: false,
        redeliveryPolicy: { maximumRedeliveries: 3 },
      });
      expect(JSON.stringify(plan.flows)).toContain(`"uri":"${uri}"`);
    }
  });

  it('reads credentials only through placeholders of the Secrets it mounts, or the default provider chain', () => {
    expect(d1.secrets).toEqual(['rook-ceph-object-user-ceph-objectstore-s3-replicator', 'aws-s3-credentials']);
    expect(d2.secrets).toEqual(['ceph-rgw-credentials']);
    expect(JSON.stringify(d2.flows)).toContain('"useDefaultCredentialsProvider":"true"');
    for (const plan of [d1, d2]) {
      const keys = [...JSON.stringify(plan.flows).matchAll(/"(accessKey|secretKey)":"([^"]*)"/g)].map((m) => m[2]);
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) expect(key).toMatch(new RegExp(`^\\{\\{secret:(${plan.secrets.join('|')})/[A-Za-z-]+\\}\\}$`));
    }
  });
});
