#!/usr/bin/env node
// The disk's bare fdatasync latency, for comparing with a broker's group-commit rounds: writes
// `size` bytes and fdatasyncs, `count` times, appending to `file` (or, with --prefilled, over a
// file filled with zeros first, so no write changes its size). Run several at once to see the
// disk shared, as three brokers share it.
//
//   node scripts/fsync-latency.mjs [file] [--size 100] [--count 2000] [--prefilled]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  options: { size: { type: 'string', default: '100' }, count: { type: 'string', default: '2000' }, prefilled: { type: 'boolean', default: false } },
  allowPositionals: true,
});
const size = Number(values.size);
const count = Number(values.count);
const file = positionals[0] ?? path.join(os.tmpdir(), `fsync-latency-${process.pid}.bin`);
const fd = fs.openSync(file, 'w+');
if (values.prefilled) {
  fs.writeSync(fd, Buffer.alloc(size * count));
  fs.fsyncSync(fd);
}
const record = Buffer.alloc(size, 1);
const latencies = [];
for (let i = 0; i < count; i++) {
  fs.writeSync(fd, record, 0, size, i * size);
  const started = process.hrtime.bigint();
  fs.fdatasyncSync(fd);
  latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
}
fs.closeSync(fd);
fs.rmSync(file);
latencies.sort((a, b) => a - b);
const at = (q) => latencies[Math.min(count - 1, Math.floor(q * count))].toFixed(3);
process.stdout.write(`fdatasync after ${size} B ${values.prefilled ? 'overwrites' : 'appends'}, ${count} times: ${at(0.5)} ms 50th, ${at(0.9)} ms 90th, ${at(0.99)} ms 99th\n`);
