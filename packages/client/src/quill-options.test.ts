import { describe, expect, it } from 'vitest';
import { checkOptions } from './options/index.js';
import { QUILL_OPTIONS, Quill } from './quill.js';
import { CONSUMER_OPTIONS, PRODUCER_OPTIONS, retryTable } from './quill-options.js';

// KafkaJS's option names work, unknown names and options the SDK does not implement are errors.

const BROKERS = ['127.0.0.1:9092'];
const quill = (): Quill => new Quill({ brokers: BROKERS, logLevel: 'silent' });

describe("the SDK's options under KafkaJS's names", () => {
  it('takes requestTimeout, metadataMaxAge and retry.initialRetryTime/maxRetryTime for their -Ms names', () => {
    expect(checkOptions(QUILL_OPTIONS, { brokers: BROKERS, requestTimeout: 5_000, connectionTimeout: 3_000, authenticationTimeout: 1_000 })).toEqual({
      brokers: BROKERS,
      requestTimeoutMs: 5_000,
    });
    expect(checkOptions(PRODUCER_OPTIONS, { metadataMaxAge: 1_000, idempotent: false })).toEqual({ metadataMaxAgeMs: 1_000, idempotent: false });
    expect(checkOptions(CONSUMER_OPTIONS, { groupId: 'g', metadataMaxAge: 1_000, allowAutoTopicCreation: false, maxInFlightRequests: 3 })).toEqual({
      groupId: 'g',
      metadataMaxAgeMs: 1_000,
    });
    expect(checkOptions(retryTable('producer()'), { initialRetryTime: 100, maxRetryTime: 1_000, retries: 2 })).toEqual({
      initialRetryTimeMs: 100,
      maxRetryTimeMs: 1_000,
      retries: 2,
    });
  });

  it('makes clients from a KafkaJS configuration', () => {
    const client = new Quill({ brokers: BROKERS, clientId: 'app', logLevel: 'silent', requestTimeout: 5_000, retry: { initialRetryTime: 100, retries: 8 }, ssl: false } as never);
    expect(() => client.producer({ metadataMaxAge: 60_000, allowAutoTopicCreation: false, retry: { maxRetryTime: 2_000 } })).not.toThrow();
    expect(() => client.consumer({ groupId: 'g', sessionTimeout: 30_000, heartbeatInterval: 3_000, metadataMaxAge: 60_000 })).not.toThrow();
    expect(() => client.admin({ retry: { initialRetryTime: 50 } })).not.toThrow();
  });
});

describe('unknown and unsupported options', () => {
  it('refuses an unknown option of each options object, naming it', () => {
    expect(() => new Quill({ brokers: BROKERS, requestTimeOut: 5 } as never)).toThrow(/^new Quill\(\): unknown option 'requestTimeOut'; the options are brokers, clientId, /);
    expect(() => quill().producer({ lingerMS: 5 } as never)).toThrow("producer(): unknown option 'lingerMS'");
    expect(() => quill().consumer({ groupID: 'g' } as never)).toThrow("consumer(): unknown option 'groupID'");
    expect(() => quill().admin({ timeout: 5 } as never)).toThrow("admin(): unknown option 'timeout'");
    expect(() => quill().producer({ retry: { initialRetryTimeout: 5 } as never })).toThrow("producer() retry: unknown option 'initialRetryTimeout'");
  });

  it('refuses an option given under both names with different values', () => {
    expect(() => new Quill({ brokers: BROKERS, requestTimeoutMs: 1_000, requestTimeout: 2_000 })).toThrow(
      "new Quill(): 'requestTimeoutMs' and 'requestTimeout' name the same option and are given different values (1000 and 2000); give one",
    );
    expect(() => quill().consumer({ metadataMaxAgeMs: 1, metadataMaxAge: 2 })).toThrow(TypeError);
    expect(() => new Quill({ brokers: BROKERS, retry: { initialRetryTime: 1, initialRetryTimeMs: 2 } })).toThrow("new Quill() retry: 'initialRetryTime' and 'initialRetryTimeMs'");
  });

  it("refuses KafkaJS's options for features the SDK does not have, saying so", () => {
    expect(() => new Quill({ brokers: BROKERS, logCreator: () => () => undefined } as never)).toThrow("pass a pino logger as 'logger' instead");
    expect(() => new Quill({ brokers: BROKERS, enforceRequestTimeout: false } as never)).toThrow("option 'enforceRequestTimeout' is not supported");
    expect(() => quill().producer({ transactionalId: 'tx' } as never)).toThrow("producer(): option 'transactionalId' is not supported: transactions are not supported");
    expect(() => quill().consumer({ groupId: 'g', rackId: 'r1' } as never)).toThrow("consumer(): option 'rackId' is not supported");
    expect(() => quill().consumer({ groupId: 'g', allowAutoTopicCreation: true } as never)).toThrow("consumer(): option 'allowAutoTopicCreation' cannot be true");
    expect(() => quill().consumer({ groupId: 'g', retry: { restartOnFailure: async () => true } } as never)).toThrow("consumer() retry: option 'restartOnFailure' is not supported");
  });

  it('refuses unknown options of send, sendBatch and run', async () => {
    const producer = quill().producer();
    await expect(producer.send({ topic: 't', messages: [], acks: 1, timeOut: 5 } as never)).rejects.toThrow("producer.send(): unknown option 'timeOut'");
    await expect(producer.sendBatch({ topicMessages: [], topic: 't' } as never)).rejects.toThrow("producer.sendBatch(): unknown option 'topic'");
    const consumer = quill().consumer();
    const eachMessage = async (): Promise<void> => undefined;
    await expect(consumer.run({ eachMessage, autoCommitEvery: 5 } as never)).rejects.toThrow("consumer.run(): unknown option 'autoCommitEvery'");
    await expect(consumer.run({ eachMessage, autoCommitInterval: 1_000, autoCommitIntervalMs: 2_000 })).rejects.toThrow(
      "consumer.run(): 'autoCommitInterval' and 'autoCommitIntervalMs' name the same option",
    );
  });
});
