import type { AdminOptions } from './admin/index.js';
import type { ConsumerOptions } from './consumer/index.js';
import type { OptionTable, Refusal } from './options/index.js';
import type { ProducerOptions } from './producer/index.js';
import type { RetryConfig } from './retry/index.js';

// The names of the options `quill.producer()`, `consumer()` and `admin()` and their `retry` take:
// the SDK's, KafkaJS's where they differ, and what is done with KafkaJS's options the SDK does not
// implement (the README lists them).

const NO_TRANSACTIONS: Refusal = { reason: 'transactions are not supported' };

/** The names the `retry` option of `what` takes. */
export function retryTable(what: string): OptionTable<RetryConfig> {
  return {
    what: `${what} retry`,
    names: {
      retries: 'option',
      initialRetryTimeMs: 'option',
      maxRetryTimeMs: 'option',
      factor: 'option',
      multiplier: 'option',
      initialRetryTime: { alias: 'initialRetryTimeMs' },
      maxRetryTime: { alias: 'maxRetryTimeMs' },
    },
    refused: {
      restartOnFailure: { reason: 'a consumer that runs out of retries stops and emits consumer.crash; restart it from a listener of that event' },
    },
  };
}

export const PRODUCER_OPTIONS: OptionTable<ProducerOptions> = {
  what: 'producer()',
  names: {
    idempotent: 'option',
    createPartitioner: 'option',
    retry: 'option',
    metadataMaxAgeMs: 'option',
    metadataMaxAge: { alias: 'metadataMaxAgeMs' },
    allowAutoTopicCreation: 'option',
    batchSize: 'option',
    lingerMs: 'option',
    maxRequestSize: 'option',
    maxInFlightRequests: 'option',
    maxBufferedBytes: 'option',
    maxBlockMs: 'option',
    compression: 'option',
  },
  refused: { transactionalId: NO_TRANSACTIONS, transactionTimeout: NO_TRANSACTIONS },
};

export const CONSUMER_OPTIONS: OptionTable<ConsumerOptions> = {
  what: 'consumer()',
  names: {
    groupId: 'option',
    sessionTimeout: 'option',
    rebalanceTimeout: 'option',
    heartbeatInterval: 'option',
    maxPollIntervalMs: 'option',
    groupInstanceId: 'option',
    partitionAssigners: 'option',
    maxWaitTimeInMs: 'option',
    minBytes: 'option',
    maxBytes: 'option',
    maxBytesPerPartition: 'option',
    readUncommitted: 'option',
    autoOffsetReset: 'option',
    retry: 'option',
    metadataMaxAgeMs: 'option',
    metadataMaxAge: { alias: 'metadataMaxAgeMs' },
    allowAutoTopicCreation: {
      ignored: 'a consumer never creates topics; create them with admin.createTopics, or let a producer do it',
      accepts: (value) => value === false,
    },
    maxInFlightRequests: { ignored: 'a consumer has one fetch in flight per broker' },
  },
  refused: { rackId: { reason: 'fetching from the closest replica (rack-aware fetch) is not supported; consumers read from leaders' } },
};

export const ADMIN_OPTIONS: OptionTable<AdminOptions> = {
  what: 'admin()',
  names: { retry: 'option' },
};
