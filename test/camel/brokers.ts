/**
 * The two brokers the Integrations consume, Kafka and ElasticMQ (SQS), started (or reused: the
 * command is idempotent) by `scripts/brokers.sh start kafka elasticmq`. A broker that cannot start
 * fails the test with the script's own message.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const script = path.resolve(__dirname, '../../scripts/brokers.sh');

export interface CamelBrokers {
  /** `127.0.0.1:PORT` */
  readonly kafkaBrokers: string;
  /** `http://127.0.0.1:PORT` */
  readonly sqsEndpoint: string;
}

export async function startBrokers(): Promise<CamelBrokers> {
  let stdout: string;
  try {
    ({ stdout } = await run('bash', [script, 'start', 'kafka', 'elasticmq'], { maxBuffer: 1 << 20, timeout: 600_000 }));
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`Kafka and ElasticMQ could not be started (scripts/brokers.sh start kafka elasticmq):\n${e.stderr?.trim() || e.message}`);
  }
  const env = Object.fromEntries([...stdout.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
  const kafkaBrokers = env.BUCKETBRIDGE_TEST_KAFKA_BROKERS;
  const sqsEndpoint = env.BUCKETBRIDGE_TEST_SQS_ENDPOINT;
  if (!kafkaBrokers || !sqsEndpoint) throw new Error(`scripts/brokers.sh start printed no broker addresses:\n${stdout}`);
  return { kafkaBrokers, sqsEndpoint };
}
