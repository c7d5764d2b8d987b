import type { Clock, Timer } from '@quill/clock';
import { ErrorCode, QuillError } from '@quill/proto';
import type { Logger } from 'pino';
import type { MetadataRecord, MetadataState } from '@quill/metadata';
import type { Decision } from '../decisions/decision.js';
import { expireBrokerSession } from '../decisions/broker-session.js';
import { rebalanceLeaders } from '../decisions/leader-balance.js';
import { encodeRecords, type MetadataStateMachine } from './metadata-state-machine.js';
import type { RaftDriver } from './raft-driver.js';

export interface ActiveControllerSettings {
  /** broker.session.timeout.ms: a broker silent this long is fenced. */
  brokerSessionTimeoutMs: number;
  /** Decisions waiting their turn; beyond it requests fail fast (retriable). */
  maxQueuedDecisions: number;
  /** How long a decision may wait for the new leader to catch up or for its commit. */
  decisionTimeoutMs: number;
  /** auto.leader.rebalance.enable, leader.imbalance.check.interval (in ms) and leader.imbalance.per.broker.percentage. */
  leaderBalance: { enabled: boolean; checkIntervalMs: number; imbalancePerBrokerPercentage: number };
  /** What the session and leader-balance checks run on. */
  clock: Clock;
  logger: Logger;
  /** How to reach the active controller, for NOT_CONTROLLER answers. */
  leaderHint: () => { leaderId: number; host: string; port: number; term: number };
}

/** A decision function: reads the committed state and the offset its records will get. */
export type Decide<T> = (state: MetadataState, nextOffset: number) => Decision<T>;

/**
 * What only the active controller does: turning requests into metadata records, one decision at a
 * time so each reads the state every earlier one produced, fencing brokers whose sessions expired,
 * and giving leaderships back to preferred replicas. Requests reaching a follower get NOT_CONTROLLER.
 */
export class ActiveController {
  private tail: Promise<unknown> = Promise.resolve();
  private queued = 0;
  private readonly lastHeartbeatMs = new Map<number, number>();
  private wasLeader = false;
  private readonly timers: Timer[] = [];
  private rebalancing = false;
  private lastCheckMs: number | undefined;
  private readonly checkPeriodMs: number;

  constructor(
    private readonly driver: RaftDriver,
    private readonly metadata: MetadataStateMachine,
    private readonly settings: ActiveControllerSettings,
  ) {
    // Checked often relative to the timeout, so fencing (and so partition failover) follows death closely.
    this.checkPeriodMs = Math.max(10, Math.floor(settings.brokerSessionTimeoutMs / 8));
  }

  start(): void {
    const { clock, leaderBalance } = this.settings;
    this.timers.push(clock.setInterval(() => this.checkSessions(), this.checkPeriodMs));
    if (leaderBalance.enabled) this.timers.push(clock.setInterval(() => this.checkLeaderBalance(), leaderBalance.checkIntervalMs));
  }

  stop(): void {
    for (const timer of this.timers.splice(0)) timer.cancel();
  }

  notController(): QuillError {
    const hint = this.settings.leaderHint();
    const where = hint.leaderId > 0 ? `controller ${hint.leaderId} at ${hint.host}:${hint.port}` : 'unknown (election in progress)';
    return new QuillError('NOT_CONTROLLER', `This controller is not active; the active controller is ${where}.`);
  }

  /** Records that a broker was heard from (a heartbeat or registration reached this leader). */
  touchBroker(brokerId: number): void {
    this.lastHeartbeatMs.set(brokerId, this.settings.clock.now());
  }

  /** Whether a broker's session is alive here (it heartbeated within the session timeout). */
  sessionAlive(brokerId: number): boolean {
    const last = this.lastHeartbeatMs.get(brokerId);
    return last !== undefined && this.settings.clock.now() - last <= this.settings.brokerSessionTimeoutMs;
  }

  /**
   * Runs `decide` against the current state and commits its records. Serialized: each decision
   * sees every earlier one applied. Resolves with the decision's result once committed here.
   */
  decide<T>(decide: Decide<T>): Promise<T> {
    if (!this.driver.isLeader) return Promise.reject(this.notController());
    if (this.queued >= this.settings.maxQueuedDecisions) {
      return Promise.reject(new QuillError('THROTTLING_QUOTA_EXCEEDED', `${this.queued} controller decisions are already queued.`));
    }
    this.queued++;
    const run = this.tail.then(async () => {
      try {
        await this.waitUntilCaughtUp();
        const decision = decide(this.metadata.current, this.driver.nextIndex);
        if (!decision.ok) throw decision.error;
        if (decision.records.length > 0) await this.propose(decision.records);
        return decision.result;
      } finally {
        this.queued--;
      }
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  private propose(records: readonly MetadataRecord[]): Promise<number> {
    return this.withTimeout(this.driver.propose(encodeRecords(records)), 'commit');
  }

  /** A new leader decides only after applying everything committed before its term. */
  private async waitUntilCaughtUp(): Promise<void> {
    const deadline = this.settings.clock.now() + this.settings.decisionTimeoutMs;
    while (!this.driver.canDecide) {
      if (!this.driver.isLeader) throw this.notController();
      if (this.settings.clock.now() > deadline) throw new QuillError('REQUEST_TIMED_OUT', 'The new active controller is still catching up.');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  private withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new QuillError('REQUEST_TIMED_OUT', `Timed out waiting for the metadata ${what}.`)), this.settings.decisionTimeoutMs);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  /**
   * Fences every unfenced broker whose session expired; a new leader first gives all a full
   * session. Time this controller itself did not run (a GC pause, SIGSTOP, a starved machine) is
   * not held against the brokers: their heartbeats could not be heard, and the timer fires before
   * the queued ones are read.
   */
  checkSessions(): void {
    const now = this.settings.clock.now();
    const stalledMs = this.lastCheckMs === undefined ? 0 : now - this.lastCheckMs - this.checkPeriodMs;
    if (stalledMs > this.checkPeriodMs) {
      for (const [id, last] of this.lastHeartbeatMs) this.lastHeartbeatMs.set(id, last + stalledMs);
    }
    this.lastCheckMs = now;
    const isLeader = this.driver.isLeader;
    if (isLeader && !this.wasLeader) {
      for (const id of this.metadata.current.brokers.keys()) this.lastHeartbeatMs.set(id, now);
    }
    this.wasLeader = isLeader;
    if (!isLeader || !this.driver.canDecide) return;
    for (const broker of this.metadata.current.brokers.values()) {
      if (broker.fenced || this.sessionAlive(broker.brokerId)) continue;
      this.settings.logger.warn({ brokerId: broker.brokerId }, 'broker session expired: fencing it');
      this.decide((state) => expireBrokerSession(state, broker.brokerId)).catch((error: unknown) =>
        this.settings.logger.warn({ brokerId: broker.brokerId, err: (error as Error).message }, 'fencing failed'),
      );
    }
  }

  /**
   * Gives leaderships back to the preferred replicas of every broker above the imbalance
   * percentage. One check at a time: a slow commit must not queue a second identical decision.
   */
  checkLeaderBalance(): void {
    if (this.rebalancing || !this.driver.isLeader || !this.driver.canDecide) return;
    const { logger, leaderBalance } = this.settings;
    this.rebalancing = true;
    this.decide((state) => rebalanceLeaders(state, leaderBalance.imbalancePerBrokerPercentage))
      .then((results) => {
        const moved = results.filter((r) => r.errorCode === ErrorCode.NONE).map((r) => `${r.topic}-${r.partition}`);
        if (moved.length > 0) logger.info({ partitions: moved }, 'leaders moved back to their preferred replicas');
      })
      .catch((error: unknown) => logger.warn({ err: (error as Error).message }, 'leader rebalance failed'))
      .finally(() => {
        this.rebalancing = false;
      });
  }
}
