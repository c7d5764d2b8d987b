import { randomUUID } from 'node:crypto';
import type { ControllerClient } from '@quill/metadata';
import { QuillError, type BrokerHeartbeatResponse__Output, type RegisterBrokerResponse__Output } from '@quill/proto';
import type { Logger } from 'pino';
import type { BrokerConfig, HostPort } from '../config.js';
import { KAFKA_LISTENER_NAME } from '../kafka-listener/listener-name.js';

/** A heartbeat attempt's deadline, in heartbeat intervals (150 ms each by default). */
const HEARTBEAT_ATTEMPT_INTERVALS = 2;

export interface LifecycleState {
  brokerEpoch: number;
  fenced: boolean;
  caughtUp: boolean;
}

/**
 * Registration and heartbeats with the active controller (KRaft's broker lifecycle): register with
 * a fresh incarnation id, heartbeat with the applied metadata offset (the controller unfences the
 * broker once it has caught up), re-register if the controller no longer knows this epoch, and
 * on stop ask for a controlled shutdown so leadership moves away before the process exits.
 */
export class BrokerLifecycle {
  readonly incarnationId = randomUUID();
  private state: LifecycleState = { brokerEpoch: -1, fenced: true, caughtUp: false };
  private timer: NodeJS.Timeout | undefined;
  private beating = false;
  private wantShutdown = false;
  private shutdownAllowed = false;
  /** When an active controller last answered a heartbeat (Date.now()). */
  private lastAnsweredAt = Date.now();
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly config: BrokerConfig,
    private readonly advertised: HostPort,
    private readonly controller: ControllerClient,
    private readonly metadataOffset: () => number,
    private readonly logger: Logger,
    /** The Kafka listener's advertised address, registered as a second endpoint when there is one. */
    private readonly kafkaAdvertised?: HostPort,
  ) {}

  get brokerEpoch(): number {
    return this.state.brokerEpoch;
  }

  get fenced(): boolean {
    return this.state.fenced;
  }

  /**
   * Registers, retrying until the controller accepts (a previous incarnation's session may still
   * run) and while no active controller answers (the quorum may still be electing), for up to
   * `initialBrokerRegistrationTimeoutMs`.
   */
  async register(): Promise<void> {
    const deadline = Date.now() + this.config.initialBrokerRegistrationTimeoutMs;
    for (;;) {
      let problem: QuillError;
      try {
        const response = await this.controller.call<RegisterBrokerResponse__Output>(
          'RegisterBroker',
          {
            clusterId: this.config.clusterId,
            brokerId: this.config.nodeId,
            incarnationId: this.incarnationId,
            // The gRPC endpoint stays first: brokers and the Quill client dial endpoints[0].
            listeners: [
              { listenerName: 'PLAINTEXT', host: this.advertised.host, port: this.advertised.port },
              ...(this.kafkaAdvertised === undefined ? [] : [{ listenerName: KAFKA_LISTENER_NAME, host: this.kafkaAdvertised.host, port: this.kafkaAdvertised.port }]),
            ],
            ...(this.config.rack === undefined ? {} : { rack: this.config.rack }),
          },
          { timeoutMs: Math.max(1, deadline - Date.now()) },
        );
        if (response.error === null || response.error.code === 'NONE') {
          this.state = { brokerEpoch: response.brokerEpoch, fenced: true, caughtUp: false };
          this.logger.info({ brokerEpoch: response.brokerEpoch }, 'registered with the controller');
          return;
        }
        problem = new QuillError(response.error.code, response.error.message);
      } catch (error) {
        if (!(error instanceof QuillError)) throw error;
        problem = error;
      }
      const retriable = problem.code === 'DUPLICATE_BROKER_REGISTRATION' || problem.retriable;
      if (!retriable || Date.now() >= deadline) throw problem;
      this.logger.warn({ error: problem.code, message: problem.message }, 'not registered yet; retrying');
      await new Promise((resolve) => setTimeout(resolve, this.config.heartbeatIntervalMs));
    }
  }

  start(): void {
    this.timer = setInterval(() => void this.heartbeat(), this.config.heartbeatIntervalMs);
    void this.heartbeat();
  }

  /** Calls `listener` after every heartbeat answer (fencing and catch-up changes). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** `timeoutMs` bounds the retries through elections (the controller client's own bound if absent). */
  private async heartbeat(timeoutMs?: number): Promise<void> {
    if (this.beating) return;
    this.beating = true;
    try {
      // An attempt on a paused or cut-off controller must give up within a few heartbeat intervals,
      // well inside the broker session (750 ms), so the next attempt reaches the new active controller
      // before it fences this broker.
      const response = await this.controller.call<BrokerHeartbeatResponse__Output>(
        'BrokerHeartbeat',
        { brokerId: this.config.nodeId, brokerEpoch: this.state.brokerEpoch, metadataOffset: this.metadataOffset(), wantShutdown: this.wantShutdown },
        { attemptTimeoutMs: this.config.heartbeatIntervalMs * HEARTBEAT_ATTEMPT_INTERVALS, ...(timeoutMs === undefined ? {} : { timeoutMs }) },
      );
      // The client returns only the active controller's answers (it retries NOT_CONTROLLER itself).
      this.lastAnsweredAt = Date.now();
      if (response.error !== null && response.error.code !== 'NONE') {
        if (response.error.code === 'STALE_BROKER_EPOCH' || response.error.code === 'BROKER_ID_NOT_REGISTERED') {
          if (this.wantShutdown) {
            // Stopping, and the controller has already dropped this registration: nothing to hand over.
            this.shutdownAllowed = true;
          } else {
            this.logger.warn({ error: response.error.code }, 'the controller lost this registration; registering again');
            await this.register();
          }
        } else {
          this.logger.debug({ error: response.error }, 'heartbeat refused');
        }
        return;
      }
      const before = this.state;
      this.state = { ...this.state, fenced: response.isFenced, caughtUp: response.isCaughtUp };
      if (before.fenced !== this.state.fenced) this.logger.info({ fenced: this.state.fenced }, 'fencing changed');
      if (response.shouldShutdown) this.shutdownAllowed = true;
    } catch (error) {
      this.logger.debug({ err: (error as Error).message }, 'heartbeat failed');
    } finally {
      this.beating = false;
      for (const listener of this.listeners) listener();
    }
  }

  /** Controlled shutdown: heartbeats ask for it until the controller says leadership has moved. */
  async controlledShutdown(): Promise<void> {
    if (this.state.brokerEpoch < 0) return;
    this.wantShutdown = true;
    const deadline = Date.now() + this.config.controlledShutdownTimeoutMs;
    while (!this.shutdownAllowed && Date.now() < deadline) {
      await this.heartbeat(this.config.controlledShutdownNoControllerMs);
      if (this.shutdownAllowed) return;
      const unansweredMs = Date.now() - this.lastAnsweredAt;
      if (unansweredMs > this.config.controlledShutdownNoControllerMs) {
        this.logger.warn({ unansweredMs }, 'no active controller answers; stopping without a controlled shutdown');
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, this.config.heartbeatIntervalMs));
    }
    if (!this.shutdownAllowed) this.logger.warn('controlled shutdown timed out; stopping anyway');
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
  }
}
