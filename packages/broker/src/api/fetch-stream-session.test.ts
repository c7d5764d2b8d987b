import { describe, expect, it } from 'vitest';
import { FetchStreamSession } from './fetch-stream-session.js';

const answer = (partition: number, highWatermark: number, extra: Record<string, unknown> = {}) => ({
  partition,
  errorCode: 'NONE' as const,
  highWatermark,
  logStartOffset: 0,
  records: Buffer.alloc(0),
  ...extra,
});
const response = (...partitions: ReturnType<typeof answer>[]) => ({ topics: [{ topicId: 't', partitions }] });
const named = (r: ReturnType<FetchStreamSession['trim']>) => (r.topics ?? []).flatMap((t) => (t.partitions ?? []).map((p) => p.partition));

describe('FetchStreamSession', () => {
  it('answers every partition once, then only those with records, a new high watermark or log start', () => {
    const session = new FetchStreamSession();
    expect(named(session.trim(response(answer(0, 5), answer(1, 5), answer(2, 5))))).toEqual([0, 1, 2]);
    expect(named(session.trim(response(answer(0, 5), answer(1, 5), answer(2, 5))))).toEqual([]);
    expect(session.trim(response(answer(0, 5))).topics).toEqual([]);
    expect(named(session.trim(response(answer(0, 5, { records: Buffer.from('x') }), answer(1, 6), answer(2, 5, { logStartOffset: 3 }))))).toEqual([0, 1, 2]);
    expect(named(session.trim(response(answer(0, 5), answer(1, 6), answer(2, 5, { logStartOffset: 3 }))))).toEqual([]);
  });

  it('always answers a divergence or an error, and re-sends the state after an error', () => {
    const session = new FetchStreamSession();
    session.trim(response(answer(0, 5), answer(1, 5)));
    expect(named(session.trim(response(answer(0, 5, { divergingEpoch: { epoch: 1, endOffset: 3 } }), answer(1, 5, { errorCode: 'NOT_LEADER_OR_FOLLOWER' }))))).toEqual([0, 1]);
    expect(named(session.trim(response(answer(0, 5), answer(1, 5))))).toEqual([1]);
  });

  it('keeps partitions of different topics apart and passes a whole-fetch error through', () => {
    const session = new FetchStreamSession();
    session.trim({ topics: [{ topicId: 'a', partitions: [answer(0, 5)] }] });
    expect(named(session.trim({ topics: [{ topicId: 'b', partitions: [answer(0, 5)] }] }))).toEqual([0]);
    const refused = { error: { code: 'STALE_BROKER_EPOCH' as const, message: 'old' } };
    expect(session.trim(refused)).toBe(refused);
  });
});
