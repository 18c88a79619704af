import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { createBucket, gateway, rcloneEnv, s3 } from '../support/gateway';
import { listAll } from './fixtures';
import { errorLine, runCli } from './run-cli';

// The CLI against the gateway, configured the way bucket-sync's Secrets configure rclone.
const env = (): Record<string, string> => ({ ...rcloneEnv('source'), ...rcloneEnv('destination') });

describe('bucketbridge CLI on the gateway', () => {
  it('syncs SOURCE to DESTINATION, prints the JSON summary, and a re-run copies nothing', async () => {
    const client = s3();
    const [source, destination] = await Promise.all([createBucket('cli-src'), createBucket('cli-dst')]);
    for (const key of ['a', 'b/c']) await client.send(new PutObjectCommand({ Bucket: source, Key: key, Body: key }));
    const first = await runCli(['sync', `source:${source}`, `destination:${destination}`, '--json', '--log-level', 'warn'], env());
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ copied: 2, deleted: 0, failed: 0, bytes: 4 });
    expect((await listAll(client, destination)).map((o) => o.key)).toEqual(['a', 'b/c']);
    const again = await runCli(['sync', `source:${source}`, `destination:${destination}`, '--json'], env());
    expect(JSON.parse(again.stdout)).toMatchObject({ copied: 0, skipped: 2 });
    expect((await runCli(['check', `source:${source}`, `destination:${destination}`], env())).code).toBe(0);
    client.destroy();
  });

  it('exits 2 with "access denied" on a wrong secret, and never logs it', async () => {
    const bucket = await createBucket('cli-denied');
    const wrong = { ...env(), RCLONE_CONFIG_DESTINATION_SECRET_ACCESS_KEY: 'wrong-secret-do-not-log' };
    const result = await runCli(['sync', `source:${bucket}`, `destination:${bucket}`, '--log-level', 'trace'], wrong);
    expect(result.code).toBe(2);
    expect(errorLine(result)).toMatch(/^bucketbridge: access denied to bucket '.+' on remote 'destination' \(.+\): SignatureDoesNotMatch$/);
    expect(result.stderr + result.stdout).not.toContain('wrong-secret-do-not-log');
    expect(result.stderr + result.stdout).not.toContain(gateway().secretAccessKey);
  });

  it('exits 2 naming a bucket that does not exist', async () => {
    const bucket = await createBucket('cli-exists');
    const result = await runCli(['copy', `source:${bucket}-missing`, `destination:${bucket}`], env());
    expect(result.code).toBe(2);
    expect(errorLine(result)).toContain(`bucket '${bucket}-missing' does not exist on remote 'source'`);
  });
});
