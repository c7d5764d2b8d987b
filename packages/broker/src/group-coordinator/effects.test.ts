import { describe, expect, it } from 'vitest';
import { EffectsOutbox, type WriteFailure } from './effects.js';

describe('EffectsOutbox', () => {
  it('hands out what was emitted since the last flush, each changed group once', () => {
    const outbox = new EffectsOutbox();
    outbox.reply(1, { error: null });
    outbox.changed('g');
    outbox.changed('h');
    outbox.changed('g');
    outbox.write([{ kind: 'group', groupId: 'g', value: null }], () => undefined);
    const first = outbox.flush();
    expect(first.replies).toEqual([{ requestId: 1, response: { error: null } }]);
    expect(first.changedGroups).toEqual(['g', 'h']);
    expect(first.writes).toEqual([{ writeId: 1, records: [{ kind: 'group', groupId: 'g', value: null }] }]);
    expect(outbox.flush()).toEqual({ replies: [], writes: [], changedGroups: [] });
  });

  it('runs a write\'s continuation once, with the outcome the adapter reports, and its effects go out with the next flush', () => {
    const outbox = new EffectsOutbox();
    const outcomes: Array<[number, WriteFailure | undefined]> = [];
    outbox.write([], (now, failure) => {
      outcomes.push([now, failure]);
      outbox.reply(7, { error: null });
    });
    outbox.write([], (now, failure) => outcomes.push([now, failure]));
    const [first, second] = outbox.flush().writes;
    outbox.completeWrite(50, second!.writeId, { code: 'NOT_COORDINATOR', message: 'moved' });
    outbox.completeWrite(60, first!.writeId, undefined);
    expect(outcomes).toEqual([
      [50, { code: 'NOT_COORDINATOR', message: 'moved' }],
      [60, undefined],
    ]);
    expect(outbox.flush().replies).toEqual([{ requestId: 7, response: { error: null } }]);
    expect(() => outbox.completeWrite(70, first!.writeId, undefined)).toThrow(/not pending/);
  });
});
