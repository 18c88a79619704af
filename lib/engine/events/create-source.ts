import type { EventSourceConfig } from '../../model';
import { AmqpEventSource } from './amqp-source';
import { HttpEventSource } from './http-source';
import { KafkaEventSource } from './kafka-source';
import { EventSourceError, type EventSource, type SourceDeps } from './source';

/**
 * The real event source for one source configuration. The SQS source is loaded only when a
 * configuration has one: `@aws-sdk/client-sqs` is an optional peer of the package.
 */
export async function createEventSource(config: EventSourceConfig, deps: SourceDeps): Promise<EventSource> {
  switch (config.type) {
    case 'http':
      return new HttpEventSource(config, deps);
    case 'amqp':
      return new AmqpEventSource(config, deps);
    case 'kafka':
      return new KafkaEventSource(config, deps);
    case 'sqs': {
      let module: typeof import('./sqs-source');
      try {
        module = await import('./sqs-source');
      } catch (err) {
        throw new EventSourceError(
          `source '${config.name}' (sqs) needs the optional peer @aws-sdk/client-sqs: npm install @aws-sdk/client-sqs (${(err as Error).message.split('\n')[0]})`,
        );
      }
      return new module.SqsEventSource(config, deps);
    }
  }
}
