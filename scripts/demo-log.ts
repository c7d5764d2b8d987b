// A first look at Quill while the broker is being built: writes a few records to a real partition
// log under ./data/demo (segments, indexes, fsync), reopens it and reads them back.
import path from 'node:path';
import { decodeBatches, encodeBatch } from '@quill/records';
import { PartitionLog } from '@quill/storage';

const dir = path.resolve(process.argv[2] ?? 'data/demo/greetings-0');
const log = await PartitionLog.open(dir);
const appended = log.append(
  encodeBatch([
    { key: 'en', value: 'hello' },
    { key: 'fr', value: 'bonjour' },
    { key: 'de', value: 'hallo' },
  ], { compression: 'zstd' }),
  { assignOffsets: true },
);
await log.waitForDurable(appended.lastOffset + 1);
process.stdout.write(`appended offsets ${appended.firstOffset}..${appended.lastOffset} (fsynced) to ${dir}\n`);
await log.close();

const reopened = await PartitionLog.open(dir);
const { records } = reopened.read(appended.firstOffset);
for (const batch of decodeBatches(records)) {
  for (const r of batch.records) process.stdout.write(`offset ${r.offset}: ${r.key?.toString()} = ${r.value?.toString()}\n`);
}
process.stdout.write(`log end offset ${reopened.logEndOffset}\n`);
await reopened.close();
