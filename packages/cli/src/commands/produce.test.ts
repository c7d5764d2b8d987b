import type { RecordMetadata } from '@quill/client';
import { describe, expect, it } from 'vitest';
import { Batcher, lineToMessage, parseAcks, recordOffsets } from './produce.js';

describe('produce input lines', () => {
  it('makes the whole line the value, without a key by default', () => {
    expect(lineToMessage('hello world', 1, undefined, undefined)).toEqual({ value: 'hello world' });
    expect(lineToMessage('', 2, undefined, undefined)).toEqual({ value: '' });
  });

  it('gives every record the --key', () => {
    expect(lineToMessage('v', 1, { key: 'k' }, undefined)).toEqual({ key: 'k', value: 'v' });
  });

  it('splits at the first separator only, separators of several characters included', () => {
    expect(lineToMessage('user-1:{"a":1}:x', 1, { separator: ':' }, undefined)).toEqual({ key: 'user-1', value: '{"a":1}:x' });
    expect(lineToMessage('k=>v=>w', 1, { separator: '=>' }, undefined)).toEqual({ key: 'k', value: 'v=>w' });
    expect(lineToMessage(':only value', 1, { separator: ':' }, undefined)).toEqual({ key: '', value: 'only value' });
    expect(lineToMessage('only key:', 1, { separator: ':' }, undefined)).toEqual({ key: 'only key', value: '' });
  });

  it('names the line that lacks the separator', () => {
    expect(() => lineToMessage('no separator here', 7, { separator: '|' }, undefined)).toThrow(
      expect.objectContaining({ code: 'INVALID_RECORD', message: "Line 7 has no key separator '|'." }),
    );
  });

  it('puts the record in --partition when given', () => {
    expect(lineToMessage('v', 1, undefined, 2)).toEqual({ value: 'v', partition: 2 });
    expect(lineToMessage('k:v', 1, { separator: ':' }, 0)).toEqual({ key: 'k', value: 'v', partition: 0 });
  });
});

describe('--acks', () => {
  it('takes -1 (or all), 0 and 1', () => {
    expect(parseAcks('-1')).toBe(-1);
    expect(parseAcks('all')).toBe(-1);
    expect(parseAcks('0')).toBe(0);
    expect(parseAcks('1')).toBe(1);
  });

  it('refuses anything else in one line', () => {
    expect(() => parseAcks('2')).toThrow("--acks must be -1 (or all), 0 or 1, got '2'.");
    expect(() => parseAcks(['1', '0'])).toThrow('--acks is given more than once.');
  });
});

describe('record offsets for --json', () => {
  const result = (partition: number, baseOffset: number): RecordMetadata => ({
    topicName: 't',
    partition,
    errorCode: 0,
    baseOffset,
    logAppendTime: -1,
    logStartOffset: 0,
  });

  it('counts each partition up from its base offset, in input order', () => {
    const records = [0, 1, 0, 2, 0, 1].map((partition) => ({ partition }));
    expect(recordOffsets(records, [result(0, 10), result(1, 0), result(2, 7)])).toEqual([
      { partition: 0, offset: 10 },
      { partition: 1, offset: 0 },
      { partition: 0, offset: 11 },
      { partition: 2, offset: 7 },
      { partition: 0, offset: 12 },
      { partition: 1, offset: 1 },
    ]);
  });

  it('has no offsets with acks 0', () => {
    expect(recordOffsets([{ partition: 0 }, { partition: 0 }], [result(0, -1)])).toEqual([
      { partition: 0, offset: null },
      { partition: 0, offset: null },
    ]);
  });
});

describe('Batcher', () => {
  /** A send that resolves when the test says so, recording the batches. */
  function controlledSend() {
    const batches: string[][] = [];
    const releases: Array<() => void> = [];
    const send = (batch: string[]): Promise<void> =>
      new Promise((resolve) => {
        batches.push(batch);
        releases.push(resolve);
      });
    return { batches, releases, send };
  }

  const options = { maxRecords: 3, maxBytes: 1000, lingerMs: 20, sizeOf: (s: string) => s.length };

  it('sends full batches at once, one send at a time, holding the input back when the next batch is full too', async () => {
    const { batches, releases, send } = controlledSend();
    const batcher = new Batcher(send, { ...options, lingerMs: 60_000 });
    for (const item of ['a', 'b', 'c']) await batcher.add(item);
    expect(batches).toEqual([['a', 'b', 'c']]);
    for (const item of ['d', 'e']) await batcher.add(item);
    let added = false;
    const adding = batcher.add('f').then(() => (added = true));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(added).toBe(false);
    expect(batches).toHaveLength(1);
    releases[0]!();
    await adding;
    expect(batches).toEqual([
      ['a', 'b', 'c'],
      ['d', 'e', 'f'],
    ]);
    releases[1]!();
    await batcher.close();
  });

  it('sends a partial batch once its first record lingered, and the rest on close', async () => {
    const sent: string[][] = [];
    const batcher = new Batcher(async (batch: string[]) => void sent.push(batch), options);
    await batcher.add('a');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sent).toEqual([['a']]);
    await batcher.add('b');
    await batcher.close();
    expect(sent).toEqual([['a'], ['b']]);
  });

  it('cuts batches by bytes', async () => {
    const sent: string[][] = [];
    const batcher = new Batcher(async (batch: string[]) => void sent.push(batch), { ...options, maxRecords: 100, maxBytes: 5 });
    for (const item of ['aa', 'bb', 'cc', 'dd']) await batcher.add(item);
    await batcher.close();
    expect(sent).toEqual([['aa', 'bb', 'cc'], ['dd']]);
  });

  it('stops after a failed send and reports its error', async () => {
    const sent: string[][] = [];
    const failure = new Error('NOT_ENOUGH_REPLICAS');
    const batcher = new Batcher(async (batch: string[]) => {
      sent.push(batch);
      if (sent.length === 1) throw failure;
    }, options);
    const adding = (async () => {
      for (const item of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) await batcher.add(item);
    })();
    await expect(adding).rejects.toBe(failure);
    await expect(batcher.close()).rejects.toBe(failure);
    expect(sent).toEqual([['a', 'b', 'c']]);
  });
});
