// Producer ids are handed to brokers in blocks, so idempotent producers get an id without a
// metadata write each.
import { ErrorCode } from '@quill/proto';
import { type MetadataState, producerIdsRecord } from '@quill/metadata';
import { checkBrokerEpoch, isRejected } from './broker-identity.js';
import { accept, reject, type Decision } from './decision.js';

/** Kafka's block size. */
export const PRODUCER_ID_BLOCK_SIZE = 1000;

export interface ProducerIdBlock {
  /** The broker owns [start, start + length). */
  readonly start: number;
  readonly length: number;
}

export function allocateProducerIds(state: MetadataState, brokerId: number, brokerEpoch: number): Decision<ProducerIdBlock> {
  const broker = checkBrokerEpoch(state, brokerId, brokerEpoch);
  if (isRejected(broker)) return broker;
  const start = state.producerIds?.nextProducerId ?? 0;
  const next = start + PRODUCER_ID_BLOCK_SIZE;
  // Producer ids are int64 on the wire but JavaScript numbers here.
  if (!Number.isSafeInteger(next)) return reject(ErrorCode.UNKNOWN_SERVER_ERROR, 'Producer ids are exhausted.');
  return accept([producerIdsRecord(brokerId, brokerEpoch, next)], { start, length: PRODUCER_ID_BLOCK_SIZE });
}
