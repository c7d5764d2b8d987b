import type { IsolationLevel__Output } from '@quill/proto';

/** Kafka's isolation level byte for read_committed (0 is read_uncommitted). */
const KAFKA_READ_COMMITTED = 1;

/** A Kafka request's isolation level byte as the broker operations take it. */
export function isolationLevelOf(kafkaIsolationLevel: number | undefined): IsolationLevel__Output {
  return kafkaIsolationLevel === KAFKA_READ_COMMITTED ? 'ISOLATION_LEVEL_READ_COMMITTED' : 'ISOLATION_LEVEL_READ_UNCOMMITTED';
}
