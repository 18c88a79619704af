import { type BucketLocationConstraint, CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { Problems, ValidationError, formatProblem } from '../../lib/model/errors';
import { checkZenkoNodeCount, mirrorModeBucket } from '../../lib/model/zenko';

function problems(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).problems.map(formatProblem);
  }
  throw new Error('expected a ValidationError');
}

describe('mirrorModeBucket', () => {
  const creation = mirrorModeBucket({ bucket: 'aws-bucket-name', location: 'my-aws', endpoint: 'https://zenko.local' });

  it('gives the aws-cli command of the Zenko guide', () => {
    expect(creation.awsCli).toBe("aws s3 mb s3://aws-bucket-name --region 'my-aws:ingest' --endpoint https://zenko.local");
  });

  it('gives the same request as CreateBucket data: location constraint <location>:ingest', () => {
    expect(creation).toEqual({
      awsCli: expect.any(String),
      endpoint: 'https://zenko.local',
      signingRegion: 'us-east-1',
      createBucket: { Bucket: 'aws-bucket-name', CreateBucketConfiguration: { LocationConstraint: 'my-aws:ingest' } },
    });
  });

  it('is data the AWS SDK sends as the CLI does: PUT /<bucket> with the location constraint in the body', async () => {
    const received: Array<{ method?: string; url?: string; authorization?: string; body: string }> = [];
    const server = createServer((request: IncomingMessage, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({
          method: request.method,
          url: request.url,
          authorization: request.headers.authorization,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        response.writeHead(200, { Location: '/aws-bucket-name' }).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const request = mirrorModeBucket({ bucket: 'mirror-1', location: 'my-aws', endpoint: `http://127.0.0.1:${port}` });
    const client = new S3Client({
      endpoint: request.endpoint,
      region: request.signingRegion,
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-secret' },
    });
    try {
      // The SDK types LocationConstraint as AWS's list of regions; Zenko's constraints are not in it.
      const { Bucket, CreateBucketConfiguration } = request.createBucket;
      const LocationConstraint = CreateBucketConfiguration.LocationConstraint as BucketLocationConstraint;
      await client.send(new CreateBucketCommand({ Bucket, CreateBucketConfiguration: { LocationConstraint } }));
    } finally {
      client.destroy();
      server.close();
    }
    expect(received).toHaveLength(1);
    expect(received[0]?.method).toBe('PUT');
    expect(received[0]?.url).toBe('/mirror-1/');
    expect(received[0]?.authorization).toContain('/us-east-1/s3/aws4_request');
    expect(received[0]?.body).toContain('<LocationConstraint>my-aws:ingest</LocationConstraint>');
  });

  it('fails on a bucket, location or endpoint Zenko cannot take, naming each', () => {
    expect(problems(() => mirrorModeBucket({ bucket: 'Aws_Bucket', location: 'my aws', endpoint: 'zenko.local' }, 'Mirror'))).toEqual([
      `'bucket' must be an S3 bucket name, got "Aws_Bucket"`,
      `'location' must be a Zenko location name (a DNS-1123 label), got "my aws"`,
      `'endpoint' must be an http:// or https:// URL, got "zenko.local"`,
    ]);
  });
});

describe('checkZenkoNodeCount', () => {
  it('sizes the Compact (3 nodes, 1 failure) and Standard (5 nodes, 2 failures) clusters', () => {
    const problems = new Problems('Zenko');
    expect(checkZenkoNodeCount(problems, 'nodeCount', 3)).toEqual({ nodeCount: 3, architecture: 'compact', nodeFailuresTolerated: 1 });
    expect(checkZenkoNodeCount(problems, 'nodeCount', 5)).toEqual({ nodeCount: 5, architecture: 'standard', nodeFailuresTolerated: 2 });
    expect(problems.count).toBe(0);
  });

  it.each([1, 2, 4, 6, 7, 3.5])('refuses %d nodes', (nodeCount) => {
    const problems = new Problems('Zenko');
    expect(checkZenkoNodeCount(problems, 'zenkoNodeCount', nodeCount)).toBeUndefined();
    expect(() => problems.throwIfAny()).toThrow(
      `'zenkoNodeCount' must be 3 (Compact, tolerates 1 node failure) or 5 (Standard, tolerates 2): Zenko needs an odd node count for quorum, got ${nodeCount}`,
    );
  });
});
