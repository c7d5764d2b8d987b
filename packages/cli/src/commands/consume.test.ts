import type { ConsumedMessage } from '@quill/client';
import { describe, expect, it } from 'vitest';
import { formatRecord } from './consume.js';

const message = (key: string | null, value: string | null): ConsumedMessage => ({
  topic: 'orders',
  partition: 2,
  offset: 41,
  key: key === null ? null : Buffer.from(key),
  value: value === null ? null : Buffer.from(value),
  headers: {},
  timestamp: 1_700_000_000_123,
});

describe('consume output', () => {
  it('prints the value alone, "null" for a tombstone', () => {
    expect(formatRecord(message('k', 'héllo'), false)).toBe('héllo');
    expect(formatRecord(message('k', null), false)).toBe('null');
  });

  it('--json gives partition, offset, key, value and timestamp, on one line', () => {
    expect(formatRecord(message('user-1', 'a\nb "quoted"'), true)).toBe(
      '{"partition":2,"offset":41,"key":"user-1","value":"a\\nb \\"quoted\\"","timestamp":1700000000123}',
    );
    expect(JSON.parse(formatRecord(message(null, null), true))).toEqual({
      partition: 2,
      offset: 41,
      key: null,
      value: null,
      timestamp: 1_700_000_000_123,
    });
  });
});
