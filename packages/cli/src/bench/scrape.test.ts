import { describe, expect, it } from 'vitest';
import { parseSamples } from './scrape.js';

describe('parseSamples', () => {
  it('reads names, labels (escapes kept) and values, skipping comments', () => {
    const text = [
      '# HELP quill_partitions Replicas this broker hosts',
      '# TYPE quill_partitions gauge',
      'quill_partitions 1000',
      'quill_consumer_group_lag{group="g",topic="a\\"b",partition="7"} 42',
      '',
    ].join('\n');
    expect(parseSamples(text)).toEqual([
      { name: 'quill_partitions', labels: {}, value: 1000 },
      { name: 'quill_consumer_group_lag', labels: { group: 'g', topic: 'a\\"b', partition: '7' }, value: 42 },
    ]);
  });
});
