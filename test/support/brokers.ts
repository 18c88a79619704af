/**
 * The message brokers of the replicate tests (RabbitMQ, Kafka, ElasticMQ), started by
 * `scripts/brokers.sh start` (idempotent: brokers already up are reused and left running).
 * A broker that cannot start fails the test with the script's own message.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const script = path.resolve(__dirname, '../../scripts/brokers.sh');

export interface Brokers {
  /** `amqp://127.0.0.1:PORT` */
  readonly amqpUrl: string;
  /** `127.0.0.1:PORT` */
  readonly kafkaBrokers: string;
  /** `http://127.0.0.1:PORT` */
  readonly sqsEndpoint: string;
}

let started: Promise<Brokers> | undefined;

/** Starts (or finds) the brokers once per test file. */
export function brokers(): Promise<Brokers> {
  started ??= start();
  return started;
}

async function start(): Promise<Brokers> {
  let stdout: string;
  try {
    ({ stdout } = await run('bash', [script, 'start'], { maxBuffer: 1 << 20, timeout: 600_000 }));
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`the message brokers could not be started (scripts/brokers.sh start):\n${e.stderr?.trim() || e.message}`);
  }
  const env = Object.fromEntries([...stdout.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
  const get = (name: string): string => {
    const value = env[name];
    if (value === undefined) throw new Error(`scripts/brokers.sh start printed no ${name}`);
    return value;
  };
  return { amqpUrl: get('BUCKETBRIDGE_TEST_AMQP_URL'), kafkaBrokers: get('BUCKETBRIDGE_TEST_KAFKA_BROKERS'), sqsEndpoint: get('BUCKETBRIDGE_TEST_SQS_ENDPOINT') };
}

/** Kafka's SASL_SSL listener (SCRAM-SHA-512, self-signed CA), from `scripts/brokers.sh start kafka`. */
export interface KafkaSaslBroker {
  /** `127.0.0.1:PORT` of the SASL_SSL listener. */
  readonly brokers: string;
  /** PEM file of the CA that signed the broker's certificate. */
  readonly caFile: string;
  readonly username: string;
  readonly password: string;
}

let kafkaStarted: Promise<KafkaSaslBroker> | undefined;

/** Starts (or finds) only Kafka, once per test file, and returns its SASL_SSL listener. */
export function kafkaSaslBroker(): Promise<KafkaSaslBroker> {
  kafkaStarted ??= startKafka();
  return kafkaStarted;
}

async function startKafka(): Promise<KafkaSaslBroker> {
  let stdout: string;
  try {
    ({ stdout } = await run('bash', [script, 'start', 'kafka'], { maxBuffer: 1 << 20, timeout: 600_000 }));
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`Kafka could not be started (scripts/brokers.sh start kafka):\n${e.stderr?.trim() || e.message}`);
  }
  const env = Object.fromEntries([...stdout.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
  const get = (name: string): string => {
    const value = env[name];
    if (value === undefined || value === '') throw new Error(`scripts/brokers.sh start kafka printed no ${name} (a broker started by an older brokers.sh has no SASL_SSL listener: restart it)`);
    return value;
  };
  return {
    brokers: get('BUCKETBRIDGE_TEST_KAFKA_SASL_BROKERS'),
    caFile: get('BUCKETBRIDGE_TEST_KAFKA_CA_FILE'),
    username: get('BUCKETBRIDGE_TEST_KAFKA_SASL_USERNAME'),
    password: get('BUCKETBRIDGE_TEST_KAFKA_SASL_PASSWORD'),
  };
}
