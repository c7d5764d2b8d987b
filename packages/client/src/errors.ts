/**
 * A call made in a state that does not allow it (sending before `connect()`, running a
 * consumer twice, seeking a partition that is not assigned). A bug in the calling code, so
 * it is never retried; errors from the cluster are QuillErrors.
 */
export class QuillStateError extends Error {
  override readonly name = 'QuillStateError';
}
