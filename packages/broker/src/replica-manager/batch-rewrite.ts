import type { BatchRewrite, CompressionType } from '@quill/records';

/** compression.type values that name a codec, as the records package calls it ('producer' names none). */
const CODECS: Readonly<Record<string, CompressionType>> = { uncompressed: 'none', gzip: 'gzip', snappy: 'snappy', lz4: 'lz4', zstd: 'zstd' };

/**
 * How the leader rewrites produced batches under a topic's effective configs: compression.type a
 * codec recompresses into it, message.timestamp.type=LogAppendTime stamps `nowMs`.
 */
export function batchRewriteFor(get: (key: string) => string | undefined, nowMs: number): BatchRewrite {
  const rewrite: BatchRewrite = {};
  const codec = CODECS[get('compression.type') ?? 'producer'];
  if (codec !== undefined) rewrite.compression = codec;
  if (get('message.timestamp.type') === 'LogAppendTime') rewrite.logAppendTimeMs = nowMs;
  return rewrite;
}
