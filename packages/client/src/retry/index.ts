export {
  DEFAULT_RETRY,
  backoffDelay,
  backoffDelays,
  isRetriableError,
  retry,
  sleep,
  type AttemptInfo,
  type RetryConfig,
  type RetryContext,
  type RetryEvent,
  type RetryOptions,
  type Sleep,
} from './retry.js';
export { STALE_METADATA_CODES, isStaleMetadataError } from './stale-metadata.js';
