import type { Logger } from 'pino';
import type { Cluster } from './cluster/index.js';
import type { Random } from '@quill/random';
import type { RetryContext, RetryOptions, Sleep } from './retry/index.js';

/**
 * What a producer, consumer or admin client is built with. Each has its own Cluster (metadata
 * cache and connections) as in KafkaJS; time and randomness are injected.
 *
 * @internal
 */
export interface ClientContext {
  cluster: Cluster;
  logger: Logger;
  retry: RetryOptions;
  random: Random;
  sleep: Sleep;
  /** Milliseconds clock. */
  now: () => number;
  /** Default deadline of a request, in ms. */
  requestTimeoutMs: number;
}

/** The RetryContext for `retry()` calls made with this client context. */
export function retryContext(
  context: ClientContext,
  signal: AbortSignal | undefined,
  onRetry?: RetryContext['onRetry'],
): RetryContext {
  return {
    random: context.random,
    sleep: context.sleep,
    ...(signal ? { signal } : {}),
    ...(onRetry ? { onRetry } : {}),
  };
}
