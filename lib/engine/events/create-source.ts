import type { EventSourceConfig } from '../../model';
import { AmqpEventSource } from './amqp-source';
import { HttpEventSource } from './http-source';
import { KafkaEventSource } from './kafka-source';
import type { EventSource, SourceDeps } from './source';
import { SqsEventSource } from './sqs-source';

/** The real event source for one source configuration. */
export function createEventSource(config: EventSourceConfig, deps: SourceDeps): EventSource {
  switch (config.type) {
    case 'http':
      return new HttpEventSource(config, deps);
    case 'amqp':
      return new AmqpEventSource(config, deps);
    case 'kafka':
      return new KafkaEventSource(config, deps);
    case 'sqs':
      return new SqsEventSource(config, deps);
  }
}
