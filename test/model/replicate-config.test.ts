import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPLICATE_CONFIG_SCHEMA, REPLICA_MARKER_METADATA, ValidationError, guardVerdict, markerVerdict, resolveReplicateConfig, routeTargets } from '../../lib/model';

const minimal = {
  sources: [{ name: 'rgw', type: 'http', listen: '127.0.0.1:8080' }],
  routes: [{ name: 'r1', source: 'lab:photos', destination: 'backup:photos-copy' }],
};

function problemsOf(doc: unknown): string[] {
  try {
    resolveReplicateConfig(doc);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).problems.map((p) => `${p.prop}: ${p.rule}`);
  }
  throw new Error('expected a ValidationError');
}

describe('resolveReplicateConfig', () => {
  it('resolves every default', () => {
    const config = resolveReplicateConfig({
      ...minimal,
      sources: [
        ...minimal.sources,
        { name: 'q', type: 'amqp', url: 'amqp://127.0.0.1:5672', queue: 'rep', exchange: 'rgw-ex' },
        { name: 'k', type: 'kafka', brokers: ['127.0.0.1:9092'], topic: 'rgw' },
        { name: 's', type: 'sqs', queueUrl: 'http://127.0.0.1:9324/000000000000/events' },
      ],
    });
    expect(config).toMatchObject({ concurrency: 16, retry: { attempts: 5, baseDelayMs: 500 }, reconcile: { intervalSeconds: 0, onStart: false, mode: 'sync' }, drainSeconds: 30, sourceLostSeconds: 60 });
    expect(config.sources[0]).toEqual({ type: 'http', name: 'rgw', keyEncoding: 'auto', listen: '127.0.0.1:8080', path: '/' });
    expect(config.sources[1]).toMatchObject({ routingKey: '#', deadLetterExchange: 'rep.dlx', prefetch: 32, lagIntervalSeconds: 10 });
    expect(config.sources[2]).toMatchObject({ groupId: 'bucketbridge-replicate', deadLetterTopic: 'rgw.dlq', fromBeginning: true, lagIntervalSeconds: 10 });
    expect(config.sources[3]).toMatchObject({ visibilityTimeoutSeconds: 60, maxMessages: 10, waitTimeSeconds: 20, lagIntervalSeconds: 10 });
    expect(config.routes[0]).toEqual({
      name: 'r1',
      source: { remote: 'lab', bucket: 'photos' },
      destination: { remote: 'backup', bucket: 'photos-copy' },
      prefix: '',
      suffix: '',
      keyPrefix: '',
      ignorePrincipals: [],
      compareTags: false,
      compareMetadata: false,
    });
  });

  it('names every bad field once, with its rule', () => {
    expect(
      problemsOf({
        sources: [
          { name: 'a', type: 'http', listen: 'everywhere', colour: 'red' },
          { name: 'b', type: 'carrier-pigeon' },
          { name: 'c', type: 'amqp', url: 'amqp://guest:guest@127.0.0.1:5672', queue: 'q', exchange: 'x' },
        ],
        routes: [{ name: 'r', source: 'nocolon', destination: 'x:Bad_Bucket' }],
        concurrency: 0,
        extra: true,
      }).sort(),
    ).toEqual(
      [
        'extra: is not a known field',
        'sources[0].colour: is not a known field',
        'sources[0].listen: must be [host:]port',
        "sources[1].type: must be one of 'http', 'amqp', 'kafka', 'sqs'",
        'sources[2].url: must be amqp[s]://host[:port][/vhost] without credentials (use usernameEnv/passwordEnv)',
        'routes[0].source: must be REMOTE:bucket (an S3 bucket name)',
        'routes[0].destination: must be REMOTE:bucket (an S3 bucket name)',
        'concurrency: must be >= 1',
      ].sort(),
    );
  });

  it('fails on rules across fields: unique names, shared ports, self-replication, unknown placeholders', () => {
    expect(
      problemsOf({
        sources: [
          { name: 'a', type: 'http', listen: '8080' },
          { name: 'a', type: 'http', listen: '127.0.0.1:8080' },
        ],
        routes: [{ name: 'r', source: 'lab:same', destination: 'lab:same', keyPrefix: '{region}/' }],
        listen: '8080',
      }),
    ).toEqual([
      'sources[1].name: must be unique',
      'sources[1].listen: must not share a port with sources[0]',
      'listen: must not share a port with sources[1]',
      "routes[0].keyPrefix: may only use the placeholder '{bucket}'",
      "routes[0].destination: must not be the route's source bucket",
    ]);
  });

  describe('kafka tls and sasl', () => {
    const kafka = (extra: Record<string, unknown>) => ({ ...minimal, sources: [{ name: 'k', type: 'kafka', brokers: ['kafka:9093'], topic: 'rgw', ...extra }] });

    it('resolves tls (verify on by default) and sasl by variable names', () => {
      const config = resolveReplicateConfig(kafka({ tls: { caFile: '/etc/kafka-ca/ca.crt' }, sasl: { mechanism: 'scram-sha-512', usernameEnv: 'KAFKA_USER', passwordEnv: 'KAFKA_PASSWORD' } }));
      expect(config.sources[0]).toMatchObject({
        tls: { caFile: '/etc/kafka-ca/ca.crt', verify: true },
        sasl: { mechanism: 'scram-sha-512', usernameEnv: 'KAFKA_USER', passwordEnv: 'KAFKA_PASSWORD' },
      });
    });

    it('leaves tls and sasl out when not set, and turns tls off with enabled false', () => {
      expect(resolveReplicateConfig(kafka({})).sources[0]).not.toHaveProperty('tls');
      expect(resolveReplicateConfig(kafka({})).sources[0]).not.toHaveProperty('sasl');
      expect(resolveReplicateConfig(kafka({ tls: { enabled: false } })).sources[0]).not.toHaveProperty('tls');
      expect(resolveReplicateConfig(kafka({ tls: {} })).sources[0]).toMatchObject({ tls: { verify: true } });
      expect(resolveReplicateConfig(kafka({ tls: { verify: false } })).sources[0]).toMatchObject({ tls: { verify: false } });
    });

    it('refuses literal credentials, unknown mechanisms and bad variable names, naming the field', () => {
      expect(problemsOf(kafka({ sasl: { mechanism: 'gssapi', username: 'replicator', password: 's3cret', usernameEnv: 'KAFKA USER' } }))).toEqual([
        'sources[0].sasl.passwordEnv: is required',
        'sources[0].sasl.username: is not a known field',
        'sources[0].sasl.password: is not a known field',
        "sources[0].sasl.mechanism: must be one of 'plain', 'scram-sha-256', 'scram-sha-512'",
        'sources[0].sasl.usernameEnv: must be an environment variable name',
      ]);
    });

    it('never echoes a literal password it refuses', () => {
      try {
        resolveReplicateConfig(kafka({ sasl: { mechanism: 'plain', usernameEnv: 'U', passwordEnv: 'P', password: 'hunter2-secret' } }));
        throw new Error('expected a ValidationError');
      } catch (err) {
        expect(err).toBeInstanceOf(ValidationError);
        expect((err as Error).message).toContain('sources[0].sasl.password');
        expect((err as Error).message).not.toContain('hunter2-secret');
      }
    });

    it('fails on contradictions a schema cannot see', () => {
      expect(problemsOf(kafka({ tls: { enabled: false, caFile: '/ca.pem', verify: false }, sasl: { mechanism: 'plain', usernameEnv: 'KAFKA', passwordEnv: 'KAFKA' } }))).toEqual([
        'sources[0].tls.caFile: must be left out when tls.enabled is false',
        'sources[0].tls.verify: must be left out when tls.enabled is false',
        'sources[0].sasl.passwordEnv: must name another variable than sasl.usernameEnv',
      ]);
    });
  });

  it('publishes the schema it validates with', () => {
    const published = JSON.parse(readFileSync(path.join(__dirname, '../../docs/replicate.schema.json'), 'utf8')) as unknown;
    expect(published).toEqual(JSON.parse(JSON.stringify(REPLICATE_CONFIG_SCHEMA)));
  });
});

describe('routeTargets and guardVerdict', () => {
  const config = resolveReplicateConfig({
    sources: minimal.sources,
    routes: [
      { name: 'logs', source: 'lab:app', destination: 'dr:archive', prefix: 'logs/', suffix: '.gz', keyPrefix: '{bucket}/', ignorePrincipals: ['replicator'] },
      { name: 'all', source: 'lab:app', destination: 'dr:app' },
      { name: 'other', source: 'lab:web', destination: 'dr:archive', keyPrefix: '{bucket}/' },
    ],
  });

  it('fans one key out to every matching route, with the rendered key prefix', () => {
    expect(routeTargets(config.routes, { bucket: 'app', key: 'logs/a b.gz' }).map((t) => [t.route.name, t.destinationKey])).toEqual([
      ['logs', 'app/logs/a b.gz'],
      ['all', 'logs/a b.gz'],
    ]);
    expect(routeTargets(config.routes, { bucket: 'app', key: 'logs/a.txt' }).map((t) => t.route.name)).toEqual(['all']);
    expect(routeTargets(config.routes, { bucket: 'web', key: 'i.html' }).map((t) => t.destinationKey)).toEqual(['web/i.html']);
    expect(routeTargets(config.routes, { bucket: 'nope', key: 'x' })).toEqual([]);
  });

  it('ignores the principals a route names, and only those', () => {
    const [logs, all] = config.routes;
    expect(guardVerdict(logs!, { principalId: 'replicator' })).toBe('ignored-principal');
    expect(guardVerdict(logs!, { principalId: 'lab' })).toBe('apply');
    expect(guardVerdict(all!, { principalId: 'replicator' })).toBe('apply');
    expect(guardVerdict(logs!, { principalId: undefined })).toBe('apply');
  });
});

describe('markerVerdict', () => {
  const route = (extra: Record<string, unknown>) =>
    resolveReplicateConfig({ sources: [{ name: 'h', type: 'http', listen: '8080' }], routes: [{ name: 'r', source: 'a:src', destination: 'b:dst', ...extra }] }).routes[0]!;

  it('skips objects that carry the marker, with any value, only on routes that set one', () => {
    const marked = route({ replicaMarker: 'site-a' });
    expect(marked.replicaMarker).toBe('site-a');
    expect(REPLICA_MARKER_METADATA).toBe('bucketbridge-replica');
    expect(markerVerdict(marked, { 'bucketbridge-replica': 'site-b' })).toBe('ignored-replica');
    expect(markerVerdict(marked, { 'bucketbridge-replica': 'site-a', owner: 'me' })).toBe('ignored-replica');
    expect(markerVerdict(marked, { owner: 'me' })).toBe('apply');
    expect(markerVerdict(marked, undefined)).toBe('apply');
    const unmarked = route({});
    expect(unmarked.replicaMarker).toBeUndefined();
    expect(markerVerdict(unmarked, { 'bucketbridge-replica': 'site-b' })).toBe('apply');
  });

  it('refuses a marker that is not a plain header value', () => {
    expect(() => route({ replicaMarker: 'a b' })).toThrow(/'routes\[0\]\.replicaMarker' must be 1-128 letters, digits/);
    expect(() => route({ replicaMarker: '' })).toThrow(ValidationError);
  });
});
