import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kcatConsumerArgs, kcatProducerArgs, kcatVersion, ValueSizeCounter, versionOf, writeRecordFile } from './kcat.js';

describe('ValueSizeCounter', () => {
  it('counts the sizes kcat prints one per line, across chunk boundaries', () => {
    const counter = new ValueSizeCounter();
    counter.add('100\n10');
    counter.add('0\n1024\n');
    counter.add('-1\n');
    // A NULL value prints -1: a record without bytes.
    expect({ records: counter.records, bytes: counter.bytes }).toEqual({ records: 4, bytes: 1224 });
  });
});

describe('kcat runs', () => {
  it('the producer sends the file with acks=all, uncompressed, with the given batching and idempotence', () => {
    expect(kcatProducerArgs('h:1', 't', '/tmp/f', { batchSize: 1000, lingerMs: 0, idempotent: false })).toContain('enable.idempotence=false');
    expect(kcatProducerArgs('h:1,h:2', 't', '/tmp/f', { batchSize: 524288, lingerMs: 5, idempotent: true }).join(' ')).toBe(
      '-P -b h:1,h:2 -t t -X acks=all -X enable.idempotence=true -X compression.codec=none -X linger.ms=5 -X batch.size=524288 -l /tmp/f',
    );
    expect(kcatConsumerArgs('h:1', 't')).toEqual(['-C', '-b', 'h:1', '-t', 't', '-o', 'beginning', '-e', '-q', '-f', '%S\n']);
  });

  it('the record file holds one line per record', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kcat-file-'));
    try {
      const file = writeRecordFile(dir, Buffer.from('ABC'), 2500);
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      expect(lines.pop()).toBe('');
      expect(lines).toHaveLength(2500);
      expect(new Set(lines)).toEqual(new Set(['ABC']));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the versions of kcat and librdkafka', () => {
    const output = 'kcat - Apache Kafka producer and consumer tool\nVersion 1.7.1 (JSON, Transactions, librdkafka 2.0.2 builtin.features=gzip)\n';
    expect(versionOf(output)).toBe('kcat 1.7.1 (librdkafka 2.0.2)');
  });

  it('a missing kcat is an INVALID_CONFIG error that says how to get it', () => {
    expect(() => kcatVersion('/nonexistent/kcat')).toThrow(/kcat not found .*apt-get install kcat.*--kcat/);
  });
});
