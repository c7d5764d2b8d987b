// A controller's view of a cluster for tests and simulations: the metadata state plus the next
// offset, advanced one batch per accepted decision as the Raft log would. Not exported from the
// package index; tests import it directly.
import { errorMessage } from '@quill/proto';
import type { SeededRandom } from '@quill/random';
import { EMPTY_METADATA_STATE, type MetadataRecord, type MetadataState, applyRecords } from '@quill/metadata';
import { brokerHeartbeat, type HeartbeatReply } from '../decisions/broker-heartbeat.js';
import { registerBroker } from '../decisions/broker-registration.js';
import { DEFAULT_TOPIC_CREATION_POLICY, type TopicCreationContext } from '../decisions/create-topics.js';
import type { Decision } from '../decisions/decision.js';

export interface MetadataBatch {
  readonly offset: number;
  readonly records: readonly MetadataRecord[];
}

/** Lowercase v4-shaped UUIDs from a seeded source: deterministic topic and incarnation ids. */
export function seededUuids(random: SeededRandom): () => string {
  return () => {
    const bytes = random.bytes(16);
    bytes[6] = (bytes[6]! & 0x0f) | 0x40;
    bytes[8] = (bytes[8]! & 0x3f) | 0x80;
    const hex = bytes.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
}

export class MetadataCluster {
  state: MetadataState = EMPTY_METADATA_STATE;
  readonly batches: MetadataBatch[] = [];
  readonly topicContext: TopicCreationContext;

  constructor(readonly newUuid: () => string) {
    this.topicContext = { policy: DEFAULT_TOPIC_CREATION_POLICY, newTopicId: newUuid };
  }

  /** The offset the next batch will be committed at. */
  get nextOffset(): number {
    return this.state.offset + 1;
  }

  /** Commits an accepted decision's records as one batch; returns the decision unchanged. */
  commit<T>(decision: Decision<T>): Decision<T> {
    if (decision.ok && decision.records.length > 0) {
      const offset = this.nextOffset;
      this.batches.push({ offset, records: decision.records });
      this.state = applyRecords(this.state, decision.records, offset);
    }
    return decision;
  }

  /** Commits a decision that must be accepted, and returns its result. */
  expect<T>(decision: Decision<T>): T {
    if (!decision.ok) throw new Error(`expected the decision to be accepted: ${decision.error.code} ${decision.error.message}`);
    this.commit(decision);
    return decision.result;
  }

  /** Registers a broker and unfences it, as a starting broker that caught up would be. */
  addBroker(brokerId: number, rack?: string): number {
    const { brokerEpoch } = this.expect(
      registerBroker(
        this.state,
        {
          brokerId,
          incarnationId: this.newUuid(),
          listeners: [{ listenerName: 'PLAINTEXT', host: `broker-${brokerId}`, port: 9092 }],
          rack,
        },
        { offset: this.nextOffset, previousSessionAlive: false },
      ),
    );
    this.heartbeat(brokerId, {});
    return brokerEpoch;
  }

  /** A caught-up heartbeat from the broker's current registration, committed. */
  heartbeat(brokerId: number, flags: { wantFence?: boolean; wantShutdown?: boolean }): HeartbeatReply {
    const broker = this.state.brokers.get(brokerId);
    if (broker === undefined) throw new Error(`broker ${brokerId} is not registered`);
    return this.expect(
      brokerHeartbeat(
        this.state,
        {
          brokerId,
          brokerEpoch: broker.brokerEpoch,
          metadataOffset: this.state.offset,
          wantFence: flags.wantFence ?? false,
          wantShutdown: flags.wantShutdown ?? false,
        },
        { highWatermark: this.state.offset },
      ),
    );
  }
}

/** Runs `check` for each seed, naming the seed (and how to rerun just it) when one fails. */
export function forEachSeed(count: number, check: (seed: number) => void): void {
  const only = process.env['QUILL_SEED'];
  const seeds = only !== undefined && only !== '' ? [Number(only)] : Array.from({ length: count }, (_, i) => i + 1);
  for (const seed of seeds) {
    try {
      check(seed);
    } catch (error) {
      throw new Error(`seed ${seed} failed (rerun with QUILL_SEED=${seed}): ${errorMessage(error)}`, { cause: error });
    }
  }
}
