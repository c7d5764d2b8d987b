import { describe, expect, it } from 'vitest';
import { batchRewriteFor } from './batch-rewrite.js';

const configs = (entries: Record<string, string>) => (key: string): string | undefined => entries[key];

describe('batchRewriteFor', () => {
  it('keeps the producer\'s batches by default', () => {
    expect(batchRewriteFor(configs({}), 5)).toEqual({});
    expect(batchRewriteFor(configs({ 'compression.type': 'producer', 'message.timestamp.type': 'CreateTime' }), 5)).toEqual({});
  });

  it('maps compression.type to a codec, uncompressed to none', () => {
    expect(batchRewriteFor(configs({ 'compression.type': 'zstd' }), 5)).toEqual({ compression: 'zstd' });
    expect(batchRewriteFor(configs({ 'compression.type': 'uncompressed' }), 5)).toEqual({ compression: 'none' });
  });

  it('stamps the given time under LogAppendTime', () => {
    expect(batchRewriteFor(configs({ 'message.timestamp.type': 'LogAppendTime' }), 1234)).toEqual({ logAppendTimeMs: 1234 });
  });
});
