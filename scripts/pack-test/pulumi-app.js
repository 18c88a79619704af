// A Pulumi user's program: bucketbridge with @pulumi/pulumi and @pulumi/aws only, under mocks.
'use strict';
const assert = require('node:assert/strict');
const pulumi = require('@pulumi/pulumi');

async function main() {
  const recorded = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        recorded.push(args);
        const arn = args.type === 'aws:iam/role:Role' ? `arn:aws:iam::111111111111:role/${args.name}` : undefined;
        return { id: args.name, state: { ...args.inputs, ...(arn ? { arn } : {}) } };
      },
      call(args) {
        switch (args.token) {
          case 'aws:index/getPartition:getPartition':
            return { partition: 'aws' };
          case 'aws:index/getRegion:getRegion':
            return { region: 'af-south-1', name: 'af-south-1' };
          default:
            throw new Error(`unexpected invoke ${args.token}`);
        }
      },
    },
    'app',
    'test',
    false,
  );
  const aws = require('@pulumi/aws');
  const { CrrReplication } = require('bucketbridge/pulumi');
  const source = new aws.Provider('af', { region: 'af-south-1' });
  const crr = new CrrReplication('media', {
    source: { bucketName: 'media-af', provider: source },
    destinations: [{ bucketName: 'media-eu', region: 'eu-west-1' }],
    rules: [{ id: 'all' }],
  });
  const roleArn = await new Promise((resolve) => crr.roleArn.apply(resolve));
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(roleArn, 'arn:aws:iam::111111111111:role/media-replication-role');
  const config = recorded.find((r) => r.type === 'aws:s3/bucketReplicationConfig:BucketReplicationConfig');
  assert.ok(config, `no replication configuration among ${recorded.map((r) => r.type).join(', ')}`);
  assert.equal(config.inputs.rules[0].destination.bucket, 'arn:aws:s3:::media-eu');

  // Optional parts name the peer they need, in one line.
  assert.throws(
    () => new CrrReplication('copy', {
      source: { bucketName: 'copy-af', provider: source },
      destinations: [{ bucketName: 'copy-eu', region: 'eu-west-1' }],
      rules: [{ id: 'all' }],
      backfill: { kind: 'copyJob', image: 'bucketbridge:0.1.0', sourceCredentials: { kind: 'podIdentity' } },
    }),
    /'backfill.kind' 'copyJob' needs the optional peer dependency @pulumi\/kubernetes: npm install @pulumi\/kubernetes/,
  );
  assert.throws(() => require('bucketbridge/k8s'), {
    message: /^bucketbridge\/k8s needs the optional peer dependencies cdk8s, cdk8s-plus-28, constructs: npm install cdk8s cdk8s-plus-28 constructs/,
  });
  console.log('bucketbridge/pulumi: registered', recorded.length, 'resources through the packed tarball');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
