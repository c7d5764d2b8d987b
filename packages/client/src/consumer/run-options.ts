import type { OptionTable } from '../options/index.js';
import type { ConsumerRunConfig } from './types.js';

/** The names `consumer.run()` takes: KafkaJS's, and autoCommitIntervalMs with the unit spelled out. */
export const RUN_OPTIONS: OptionTable<ConsumerRunConfig> = {
  what: 'consumer.run()',
  names: {
    eachMessage: 'option',
    eachBatch: 'option',
    eachBatchAutoResolve: 'option',
    autoCommit: 'option',
    autoCommitInterval: 'option',
    autoCommitIntervalMs: { alias: 'autoCommitInterval' },
    autoCommitThreshold: 'option',
    partitionsConsumedConcurrently: 'option',
  },
};
