import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ClientContext } from '../context.js';
import type { GroupMember } from '../group/group-member.js';
import type { TopicPartitionCommit } from '../group/types.js';
import { ConsumerEventBus } from './consumer-event-bus.js';
import { OffsetCommitter, commitPolicy } from './offset-committer.js';
import { SubscriptionState } from './subscription-state.js';

describe('commitPolicy', () => {
  it('defaults to auto-commit every 5 s without a threshold', () => {
    expect(commitPolicy({})).toEqual({ autoCommit: true, intervalMs: 5_000, threshold: undefined });
  });

  it('takes autoCommitIntervalMs over autoCommitInterval, and the threshold and switch as given', () => {
    expect(commitPolicy({ autoCommitInterval: 100, autoCommitIntervalMs: 200, autoCommitThreshold: 3, autoCommit: false })).toEqual({
      autoCommit: false,
      intervalMs: 200,
      threshold: 3,
    });
    expect(commitPolicy({ autoCommitInterval: 0 }).intervalMs).toBe(0);
  });

  it('refuses a negative or infinite interval and a threshold that is not a positive integer', () => {
    expect(() => commitPolicy({ autoCommitInterval: -1 })).toThrow(RangeError);
    expect(() => commitPolicy({ autoCommitIntervalMs: Number.POSITIVE_INFINITY })).toThrow(RangeError);
    expect(() => commitPolicy({ autoCommitThreshold: 0 })).toThrow(RangeError);
    expect(() => commitPolicy({ autoCommitThreshold: 1.5 })).toThrow(RangeError);
  });
});

describe('OffsetCommitter auto-commit', () => {
  interface Harness {
    committer: OffsetCommitter;
    commits: TopicPartitionCommit[][];
    /** Finishes the oldest commit in flight, once it was sent (commits go out from a promise chain). */
    finishCommit(): Promise<void>;
    setNow(ms: number): void;
  }

  /** A committer over partitions t-0 and t-1, whose member's commits finish only when told to. */
  function harness(): Harness {
    let now = 0;
    const commits: TopicPartitionCommit[][] = [];
    const inFlight: Array<() => void> = [];
    const member = {
      membership: { memberId: 'm', generationId: 1 },
      commit: (offsets: readonly TopicPartitionCommit[]) => {
        commits.push([...offsets]);
        return new Promise<void>((resolve) => inFlight.push(resolve));
      },
    } as unknown as GroupMember;
    const context = { now: () => now, logger: pino({ level: 'silent' }) } as unknown as ClientContext;
    const subscriptions = new SubscriptionState();
    subscriptions.add([
      { topic: 't', partition: 0, offset: 0 },
      { topic: 't', partition: 1, offset: 0 },
    ]);
    const committer = new OffsetCommitter(context, 'g', subscriptions, () => member, new ConsumerEventBus(context.logger));
    committer.setPolicy(commitPolicy({ autoCommitInterval: 100 }));
    return {
      committer,
      commits,
      finishCommit: async () => {
        while (inFlight.length === 0) await new Promise((resolve) => setImmediate(resolve));
        inFlight.shift()!();
      },
      setNow: (ms) => {
        now = ms;
      },
    };
  }

  it('still commits the kept partitions after a revoke committed only the revoked ones', async () => {
    const { committer, commits, finishCommit, setNow } = harness();
    committer.markProcessed('t', 0, 5);
    committer.markProcessed('t', 1, 5);
    committer.startRevoke([{ topic: 't', partition: 1 }]);
    const revoke = committer.finishRevoke([{ topic: 't', partition: 1 }]);
    await finishCommit();
    await revoke;
    expect(commits).toEqual([[{ topic: 't', partition: 1, offset: 5 }]]);
    setNow(200);
    expect(committer.autoCommitDue()).toBe(true);
    const commit = committer.autoCommitIfDue();
    await finishCommit();
    await commit;
    expect(commits[1]).toEqual([{ topic: 't', partition: 0, offset: 5 }]);
    expect(committer.pending()).toEqual([]);
  });

  it('commits what was processed while a commit was in flight', async () => {
    const { committer, commits, finishCommit, setNow } = harness();
    committer.markProcessed('t', 0, 5);
    setNow(100);
    const first = committer.autoCommitIfDue();
    committer.markProcessed('t', 0, 6);
    await finishCommit();
    await first;
    expect(commits).toEqual([[{ topic: 't', partition: 0, offset: 5 }]]);
    setNow(200);
    expect(committer.autoCommitDue()).toBe(true);
    const second = committer.autoCommitIfDue();
    await finishCommit();
    await second;
    expect(commits[1]).toEqual([{ topic: 't', partition: 0, offset: 6 }]);
    expect(committer.autoCommitDue()).toBe(false);
  });
});
