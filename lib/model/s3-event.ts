/**
 * S3 event notifications, as AWS S3 and Ceph RGW send them, turned into the few facts replication
 * needs: which bucket and key changed, how (created, removed, tags changed), by whom and when.
 *
 * The record is only a hint that a key changed: replication reads the key's current state from
 * the source and never replays the record's size, ETag or metadata (RGW leaks request headers into
 * `metadata` on deletes, and fills size/eTag of deletes unreliably).
 *
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
 * @see https://docs.ceph.com/en/pacific/radosgw/notifications/#events
 */

/** What a record means for the key it names. */
export type S3EventAction = 'created' | 'removed' | 'tagging';

/** Who wrote the record: AWS S3 (`aws:s3`) or Ceph RGW (`ceph:s3`). */
export type S3EventFlavour = 'aws' | 'rgw';

/**
 * How keys are written in records. AWS URL-encodes them (form encoding: a space is `+`); RGW
 * (pacific, measured) sends them verbatim. `auto` picks by the record's `eventSource`.
 */
export type EventKeyEncoding = 'auto' | 'url' | 'raw';

export interface S3EventRecord {
  readonly action: S3EventAction;
  /** `eventName` without the `s3:` prefix, e.g. `ObjectCreated:Put`. */
  readonly eventName: string;
  readonly flavour: S3EventFlavour;
  readonly bucket: string;
  /** The object key, decoded. */
  readonly key: string;
  /** `userIdentity.principalId`: the RGW uid, or AWS's `AWS:AIDA...` / `AWS:AROA...:session`. */
  readonly principalId?: string;
  readonly eventTime?: Date;
  /** Absent when empty (RGW leaves it empty on copies, multipart uploads and delete markers). */
  readonly versionId?: string;
  /** Compare only within one topic/queue: RGW's sequencers differ per topic for one write. */
  readonly sequencer?: string;
  /** The record's ETag, unquoted; a hint only. */
  readonly etag?: string;
}

/** Why a record of a message was not turned into work. */
export type IgnoredReason = 'test-event' | 'unknown-event' | 'replication-event';

export interface ParsedS3Message {
  readonly records: readonly S3EventRecord[];
  readonly ignored: readonly { readonly reason: IgnoredReason; readonly eventName: string }[];
}

/** A message that is not an S3 event notification at all: poison, for the dead-letter queue. */
export class S3EventParseError extends Error {
  override readonly name = 'S3EventParseError';
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Parses one message body: `{"Records": [...]}` from S3 or RGW, the same wrapped in an SNS
 * notification (`{"Type":"Notification","Message":"<json>"}`), or S3's `s3:TestEvent`. Every
 * record is returned. Throws `S3EventParseError` for anything else.
 */
export function parseS3EventMessage(body: string | Uint8Array, keyEncoding: EventKeyEncoding = 'auto'): ParsedS3Message {
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  let doc = parseJson(text, 'message body');
  if (isObject(doc) && doc.Type === 'Notification' && typeof doc.Message === 'string') {
    doc = parseJson(doc.Message, 'SNS Message');
  }
  if (!isObject(doc)) throw new S3EventParseError(`not an S3 event notification: the body is not a JSON object`);
  if (doc.Event === 's3:TestEvent') return { records: [], ignored: [{ reason: 'test-event', eventName: 's3:TestEvent' }] };
  const raw = doc.Records;
  if (!Array.isArray(raw)) throw new S3EventParseError(`not an S3 event notification: no 'Records' array`);
  const records: S3EventRecord[] = [];
  const ignored: { reason: IgnoredReason; eventName: string }[] = [];
  raw.forEach((record, index) => {
    const parsed = parseRecord(record, index, keyEncoding);
    if ('reason' in parsed) ignored.push(parsed);
    else records.push(parsed);
  });
  return { records, ignored };
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new S3EventParseError(`${what} is not JSON: ${(err as Error).message}`);
  }
}

function parseRecord(record: unknown, index: number, keyEncoding: EventKeyEncoding): S3EventRecord | { reason: IgnoredReason; eventName: string } {
  const where = `Records[${index}]`;
  if (!isObject(record)) throw new S3EventParseError(`${where} is not an object`);
  const fullName = typeof record.eventName === 'string' ? record.eventName : '';
  const eventName = fullName.replace(/^s3:/, '');
  const action = actionOf(eventName);
  if (action === 'replication') return { reason: 'replication-event', eventName };
  if (action === undefined) return { reason: 'unknown-event', eventName: fullName };
  const s3 = record.s3;
  if (!isObject(s3) || !isObject(s3.bucket) || !isObject(s3.object)) throw new S3EventParseError(`${where} has no s3.bucket and s3.object`);
  const bucket = s3.bucket.name;
  const rawKey = s3.object.key;
  if (typeof bucket !== 'string' || bucket === '') throw new S3EventParseError(`${where}.s3.bucket.name is missing`);
  if (typeof rawKey !== 'string' || rawKey === '') throw new S3EventParseError(`${where}.s3.object.key is missing`);
  const flavour: S3EventFlavour = record.eventSource === 'ceph:s3' ? 'rgw' : 'aws';
  const encoding = keyEncoding === 'auto' ? (flavour === 'aws' ? 'url' : 'raw') : keyEncoding;
  const identity = record.userIdentity;
  const principalId = isObject(identity) && typeof identity.principalId === 'string' && identity.principalId !== '' ? identity.principalId : undefined;
  const time = typeof record.eventTime === 'string' ? new Date(record.eventTime) : undefined;
  const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
  const etag = text(s3.object.eTag);
  return {
    action,
    eventName,
    flavour,
    bucket,
    key: decodeEventKey(rawKey, encoding, where),
    principalId,
    eventTime: time !== undefined && !Number.isNaN(time.getTime()) ? time : undefined,
    versionId: text(s3.object.versionId),
    sequencer: text(s3.object.sequencer),
    etag: etag?.replace(/^"|"$/g, ''),
  };
}

/**
 * The one place where event keys are decoded. AWS writes keys form-encoded: `+` is a space and
 * `%2B` a plus. RGW (`raw`) writes them as they are.
 */
export function decodeEventKey(raw: string, encoding: 'url' | 'raw', where = 'key'): string {
  if (encoding === 'raw') return raw;
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    throw new S3EventParseError(`${where}.s3.object.key is not URL-encoded: ${JSON.stringify(raw)}`);
  }
}

function actionOf(eventName: string): S3EventAction | 'replication' | undefined {
  if (eventName.startsWith('ObjectCreated:')) return 'created';
  if (eventName.startsWith('ObjectRemoved:')) return 'removed';
  if (eventName.startsWith('ObjectTagging:')) return 'tagging';
  // Written by S3's own replication or RGW's multisite sync, never by a client: replicating them
  // back is how loops start.
  if (eventName.startsWith('ObjectSynced:') || eventName.startsWith('Replication:')) return 'replication';
  return undefined;
}
