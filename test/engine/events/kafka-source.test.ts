import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveReplicateConfig, type KafkaSourceConfig } from '../../../lib/model';
import { kafkaSecurityOptions } from '../../../lib/engine/events/kafka-source';
import { EventSourceError } from '../../../lib/engine/events/source';

function kafkaSource(extra: Record<string, unknown>): KafkaSourceConfig {
  const config = resolveReplicateConfig({
    sources: [{ name: 'strimzi', type: 'kafka', brokers: ['kafka:9093'], topic: 'rgw', ...extra }],
    routes: [{ name: 'r', source: 'a:src-bucket', destination: 'b:dst-bucket' }],
  });
  return config.sources[0] as KafkaSourceConfig;
}

const SASL = { mechanism: 'scram-sha-512', usernameEnv: 'KAFKA_USER', passwordEnv: 'KAFKA_PASSWORD' };

describe('kafkaSecurityOptions', () => {
  it('gives kafkajs plaintext without tls and sasl', () => {
    expect(kafkaSecurityOptions(kafkaSource({}), {})).toEqual({});
  });

  it('reads the CA file and keeps verification on by default', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kafka-ca-'));
    const caFile = path.join(dir, 'ca.pem');
    writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    expect(kafkaSecurityOptions(kafkaSource({ tls: { caFile } }), {})).toEqual({
      ssl: { rejectUnauthorized: true, ca: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' },
    });
    expect(kafkaSecurityOptions(kafkaSource({ tls: { verify: false } }), {})).toEqual({ ssl: { rejectUnauthorized: false } });
  });

  it('takes the SASL credentials from the variables the config names', () => {
    expect(kafkaSecurityOptions(kafkaSource({ sasl: SASL }), { KAFKA_USER: 'replicator', KAFKA_PASSWORD: 'pw-from-secret' })).toEqual({
      sasl: { mechanism: 'scram-sha-512', username: 'replicator', password: 'pw-from-secret' },
    });
  });

  it('fails once, naming each field it cannot honour, without any credential value', () => {
    const source = kafkaSource({ tls: { caFile: '/nonexistent/ca.pem' }, sasl: SASL });
    let error: unknown;
    try {
      kafkaSecurityOptions(source, { KAFKA_USER: 'replicator-user-value', KAFKA_PASSWORD: '' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(EventSourceError);
    expect((error as Error).message).toBe(
      "source 'strimzi': 'tls.caFile' must be a readable PEM file, got /nonexistent/ca.pem (ENOENT); 'sasl.passwordEnv' must name a set, non-empty environment variable, got KAFKA_PASSWORD",
    );
    expect((error as Error).message).not.toContain('replicator-user-value');
  });

  it('names an unset user name variable', () => {
    expect(() => kafkaSecurityOptions(kafkaSource({ sasl: SASL }), { KAFKA_PASSWORD: 'x' })).toThrow(
      "source 'strimzi': 'sasl.usernameEnv' must name a set, non-empty environment variable, got KAFKA_USER",
    );
  });
});
