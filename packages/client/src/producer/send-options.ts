import type { OptionTable } from '../options/index.js';
import type { ProducerBatch, ProducerRecord } from './types.js';

// The names `send` and `sendBatch` take: KafkaJS's.

export const SEND_OPTIONS: OptionTable<ProducerRecord> = {
  what: 'producer.send()',
  names: { topic: 'option', messages: 'option', acks: 'option', timeout: 'option', compression: 'option' },
};

export const SEND_BATCH_OPTIONS: OptionTable<ProducerBatch> = {
  what: 'producer.sendBatch()',
  names: { topicMessages: 'option', acks: 'option', timeout: 'option', compression: 'option' },
};
