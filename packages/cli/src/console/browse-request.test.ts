import { describe, expect, it } from 'vitest';
import { parseBrowseRequest } from './browse-request.js';
import { DEFAULT_CONSOLE_LIMITS } from './console-config.js';

const parse = (query: string) => parseBrowseRequest(new URLSearchParams(query), { ...DEFAULT_CONSOLE_LIMITS, maxBrowseMessages: 100, defaultBrowseMessages: 20 });

describe('parseBrowseRequest', () => {
  it('reads topic, partition, an offset or a time, and a limit capped at the maximum', () => {
    expect(parse('topic=t&partition=2&offset=5&limit=10')).toEqual({ topic: 't', partition: 2, start: { offset: 5 }, limit: 10 });
    expect(parse('topic=t&timestamp=1700000000000')).toEqual({ topic: 't', partition: 0, start: { timestamp: 1700000000000 }, limit: 20 });
    expect(parse('topic=t&limit=100000').limit).toBe(100);
  });

  it('refuses a missing topic, both an offset and a time, and bad numbers', () => {
    expect(() => parse('partition=1')).toThrow(/topic is required/);
    expect(() => parse('topic=t&offset=1&timestamp=2')).toThrow(/not both/);
    expect(() => parse('topic=t&offset=-1')).toThrow(/offset must be/);
    expect(() => parse('topic=t&limit=0')).toThrow(/limit must be/);
  });
});
