import { ErrorCode, QuillError } from '@quill/proto';

/**
 * Errors that mean "what you know about the cluster is out of date": the caller refreshes
 * metadata before its next attempt (KafkaJS's `staleMetadata` test in sendMessages, Kafka's
 * InvalidMetadataException family).
 */
export const STALE_METADATA_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.UNKNOWN_TOPIC_ID,
  ErrorCode.INCONSISTENT_TOPIC_ID,
  ErrorCode.REPLICA_NOT_AVAILABLE,
  ErrorCode.KAFKA_STORAGE_ERROR,
  ErrorCode.LISTENER_NOT_FOUND,
  ErrorCode.NETWORK_EXCEPTION,
  ErrorCode.BROKER_NOT_AVAILABLE,
  ErrorCode.NOT_CONTROLLER,
  // A leader cut off from the cluster holds requests until they time out while others already
  // elected a new one; Kafka's NetworkClient likewise refreshes metadata after a request timeout.
  ErrorCode.REQUEST_TIMED_OUT,
]);

/** True when `error` is a QuillError whose code calls for a metadata refresh before retrying. */
export function isStaleMetadataError(error: unknown): boolean {
  return error instanceof QuillError && STALE_METADATA_CODES.has(error.code);
}
