import { describe, expect, it } from 'vitest';
import {
  awsToCephNative,
  cephToAwsNative,
  resolveCamelReplicatorProps,
  resolveReplicateConfig,
  ValidationError,
  type CamelReplicatorProps,
} from '../../lib/model';

const props: CamelReplicatorProps = {
  engine: 'native',
  native: { image: 'ghcr.io/example/bucketbridge:0.1.0' },
  buckets: [
    { cephBucket: 'media', awsBucket: 'media-replica', cephPrefix: 'a/', awsPrefix: 'a/' },
    { cephBucket: 'media', awsBucket: 'media-replica', cephPrefix: 'b/', awsPrefix: 'b/' },
    { cephBucket: 'logs', awsBucket: 'logs-replica' },
  ],
  ceph: { objectStoreName: 'store', externalEndpoint: 'https://rgw.example.com', remoteCredentials: { secretName: 'ceph-keys' } },
  kafka: { bootstrapServers: 'kafka-0:9092,kafka-1:9092' },
  aws: { region: 'eu-west-1', accountId: '111122223333', onPremCredentials: { secretName: 'aws-keys' }, clusterIdentity: { kind: 'environment' } },
  loopGuard: { awsPrincipalId: 'AWS:AIDAEXAMPLEREPLICATOR01', cephPrincipalId: 'tenant$replicator' },
};

describe('CamelReplicator native plans', () => {
  it('names routes after their source bucket, numbered where a bucket has several pairs, and the engine accepts both configs', () => {
    const r = resolveCamelReplicatorProps('t', props);
    const d1 = cephToAwsNative(r, 'ceph-to-aws-replicator');
    const d2 = awsToCephNative(r, 'aws-to-ceph-replicator');
    expect((d1.config.routes as Array<{ name: string }>).map((route) => route.name)).toEqual(['media-0', 'media-1', 'logs']);
    expect((d2.config.routes as Array<{ name: string }>).map((route) => route.name)).toEqual(['media-replica-0', 'media-replica-1', 'logs-replica']);
    const c1 = resolveReplicateConfig(d1.config);
    const c2 = resolveReplicateConfig(d2.config);
    expect(c1.sources).toEqual([expect.objectContaining({ type: 'kafka', brokers: ['kafka-0:9092', 'kafka-1:9092'] })]);
    expect(c1.routes.map((route) => [route.prefix, route.ignorePrincipals])).toEqual([
      ['a/', ['tenant$replicator']],
      ['b/', ['tenant$replicator']],
      ['', ['tenant$replicator']],
    ]);
    expect(c2.routes.every((route) => route.ignorePrincipals.join() === 'AWS:AIDAEXAMPLEREPLICATOR01')).toBe(true);
  });

  it('gives the default credential chain to the SQS source and the AWS remote for an environment identity, and needs no token', () => {
    const d2 = awsToCephNative(resolveCamelReplicatorProps('t', props), 'aws-to-ceph-replicator');
    expect(d2.env).toContainEqual({ name: 'RCLONE_CONFIG_AWS_ENV_AUTH', value: 'true' });
    expect(d2.env.map((e) => e.name)).not.toContain('AWS_ACCESS_KEY_ID');
    expect(d2.serviceAccountAnnotations).toEqual({});
    expect(d2.automountServiceAccountToken).toBe(false);
    expect(d2.args).toEqual(['replicate', '--config', '/etc/bucketbridge/replicate.yaml', '--log-level', 'info']);
  });

  it('refuses to plan without resolved native settings', () => {
    const camel = resolveCamelReplicatorProps('t', { ...props, engine: undefined, native: undefined });
    expect(() => cephToAwsNative(camel, 'x')).toThrow(/resolve the props with engine 'native' first/);
  });

  it('reports every native problem in one ValidationError with the construct path', () => {
    let error: unknown;
    try {
      resolveCamelReplicatorProps('app/s3-replicator', { ...props, operatorId: 'x', aws: { ...props.aws, accountId: undefined }, native: { image: '', replicas: 0 } });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const problems = (error as ValidationError).problems.map((p) => p.prop);
    expect(problems).toEqual(expect.arrayContaining(['operatorId', 'aws.accountId', 'native.image', 'native.replicas']));
    expect((error as ValidationError).message).toMatch(/^app\/s3-replicator: invalid props/);
  });
});
