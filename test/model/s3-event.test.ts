import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { S3EventParseError, decodeEventKey, parseS3EventMessage } from '../../lib/model';

const fixture = (name: string): string => readFileSync(path.join(__dirname, '../fixtures/events', name), 'utf8');

describe('parseS3EventMessage', () => {
  it('reads an RGW record with its key verbatim, no quotes on the ETag and no empty versionId', () => {
    const { records, ignored } = parseS3EventMessage(fixture('rgw-put.json'));
    expect(ignored).toEqual([]);
    expect(records).toEqual([
      {
        action: 'created',
        eventName: 'ObjectCreated:Put',
        flavour: 'rgw',
        bucket: 'notif-bucket',
        key: 'dir/a b+c%25d é.txt',
        principalId: 'lab',
        eventTime: new Date('2026-11-22T14:46:35.946Z'),
        versionId: undefined,
        sequencer: '4B00036B09B3AB38',
        etag: '249c850f62ea50feb918b095fc56d763',
      },
    ]);
  });

  it('reads every record of an AWS message and URL-decodes its keys with + as a space', () => {
    const { records } = parseS3EventMessage(fixture('aws-two-records.json'));
    expect(records.map((r) => [r.action, r.eventName, r.key, r.principalId, r.flavour])).toEqual([
      ['created', 'ObjectCreated:Put', 'dir/a b+c%d é.txt', 'AWS:AIDAEXAMPLEUSERID01', 'aws'],
      ['removed', 'ObjectRemoved:DeleteMarkerCreated', 'gone.txt', 'AWS:AROAEXAMPLEROLEID01:replicator', 'aws'],
    ]);
    expect(records[0]?.versionId).toBe('096fKKXTRTtl3on89fVO.nfljtsv6qko');
  });

  it('unwraps an SNS notification', () => {
    const wrapped = JSON.stringify({ Type: 'Notification', MessageId: 'm1', TopicArn: 'arn:aws:sns:us-east-1:123456789012:t', Message: fixture('aws-two-records.json') });
    expect(parseS3EventMessage(wrapped).records).toHaveLength(2);
  });

  it('counts s3:TestEvent as ignored, not as an error', () => {
    expect(parseS3EventMessage(fixture('aws-test-event.json'))).toEqual({ records: [], ignored: [{ reason: 'test-event', eventName: 's3:TestEvent' }] });
  });

  it('ignores unknown and replication event names, and keeps tagging events', () => {
    const record = (eventName: string): object => ({ eventSource: 'aws:s3', eventName, s3: { bucket: { name: 'b' }, object: { key: 'k' } } });
    const body = JSON.stringify({
      Records: [record('s3:ObjectSynced:Create'), record('Replication:OperationFailedReplication'), record('LifecycleExpiration:Delete'), record('ObjectTagging:Put')],
    });
    const { records, ignored } = parseS3EventMessage(body);
    expect(records.map((r) => r.action)).toEqual(['tagging']);
    expect(ignored.map((i) => i.reason)).toEqual(['replication-event', 'replication-event', 'unknown-event']);
  });

  it('honours an explicit key encoding over the flavour', () => {
    const body = JSON.stringify({ Records: [{ eventSource: 'ceph:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'b' }, object: { key: 'a+b%20c' } } }] });
    expect(parseS3EventMessage(body, 'url').records[0]?.key).toBe('a b c');
    expect(parseS3EventMessage(body, 'raw').records[0]?.key).toBe('a+b%20c');
  });

  it.each([
    ['not json', 'message body is not JSON'],
    ['[1,2]', 'the body is not a JSON object'],
    ['{"hello":1}', "no 'Records' array"],
    ['{"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{}}}]}', 'Records[0].s3.object.key is missing'],
    ['{"Type":"Notification","Message":"{oops"}', 'SNS Message is not JSON'],
    ['{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"%E0%A4%A"}}}]}', 'is not URL-encoded'],
  ])('rejects %s as poison', (body, message) => {
    expect(() => parseS3EventMessage(body)).toThrow(S3EventParseError);
    expect(() => parseS3EventMessage(body)).toThrow(message);
  });
});

describe('decodeEventKey', () => {
  it('decodes + as space and %2B as plus only for url encoding', () => {
    expect(decodeEventKey('a+b%2Bc', 'url')).toBe('a b+c');
    expect(decodeEventKey('a+b%2Bc', 'raw')).toBe('a+b%2Bc');
  });
});
