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
