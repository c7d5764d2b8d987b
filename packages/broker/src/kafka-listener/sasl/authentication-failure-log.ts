import type { Clock } from '@quill/clock';
import type { Logger } from 'pino';
import { WarningLimiter } from '../warning-limiter.js';

/**
 * Failed authentications, logged once per client host per interval with the user named, so a
 * client guessing passwords cannot flood the log; the count of those not logged goes with the next line.
 */
export class AuthenticationFailureLog {
  private readonly limiter: WarningLimiter;

  constructor(
    clock: Clock,
    intervalMs: number,
    private readonly logger: Logger,
    private readonly listener = 'kafka listener',
  ) {
    this.limiter = new WarningLimiter(clock, intervalMs);
  }

  record(clientAddress: string, failure: { mechanism: string | undefined; user?: string; reason: string }): void {
    const suppressed = this.limiter.allow(clientAddress.slice(0, clientAddress.lastIndexOf(':')));
    if (suppressed === undefined) return;
    this.logger.warn(
      { client: clientAddress, mechanism: failure.mechanism, user: failure.user, reason: failure.reason, ...(suppressed > 0 ? { suppressed } : {}) },
      `${this.listener}: failed authentication`,
    );
  }
}
