// Child process of test/storage-crash.test.ts: appends the deterministic batches of
// crash-batches.ts to a partition log forever, many appends in flight, and reports each batch once
// waitForDurable says it is durable. The test kills it with SIGKILL at some point.
//
//   node --conditions=source --import tsx test/support/log-writer.ts <dir> <flushPolicy> <seed> <startBatch> <leaderEpoch> [inFlight]
//
// stdout, one line each:
//   ready <logEndOffset>
//   durable <nextOffset> <batchIndex> <segmentFile> <segmentFileSizeRightAfterThatAppend>
import fs from 'node:fs';
import path from 'node:path';
import { PartitionLog, type FlushPolicy, type PartitionLogOptions } from '@quill/storage';
import { encodeGeneratedBatch, generatedBaseOffset } from './crash-batches.js';

/** Default number of appends whose durability is awaited at once (a broker has many produce requests outstanding). */
const DEFAULT_IN_FLIGHT = 32;
const SEGMENT_BYTES = 256 * 1024;

function fail(message: string): never {
  process.stderr.write(`log-writer: ${message}\n`);
  process.exit(2);
}

interface Args {
  dir: string;
  policy: FlushPolicy;
  seed: number;
  startBatch: number;
  epoch: number;
  inFlight: number;
}

function parseArgs(argv: readonly string[]): Args {
  const [dir, policy, seed, startBatch, epoch, inFlight] = argv;
  if (dir === undefined || seed === undefined || startBatch === undefined || epoch === undefined) {
    fail('usage: log-writer <dir> <flushPolicy> <seed> <startBatch> <leaderEpoch> [inFlight]');
  }
  if (policy !== 'every-batch' && policy !== 'group-commit' && policy !== 'os') fail(`unknown flush policy ${policy}`);
  const args: Args = {
    dir,
    policy,
    seed: Number(seed) >>> 0,
    startBatch: Number(startBatch),
    epoch: Number(epoch),
    inFlight: inFlight === undefined ? DEFAULT_IN_FLIGHT : Number(inFlight),
  };
  if (![args.startBatch, args.epoch, args.inFlight].every((n) => Number.isSafeInteger(n) && n >= 0) || args.inFlight < 1) {
    fail(`bad arguments ${argv.join(' ')}`);
  }
  return args;
}

/** Logs warnings and errors to stderr (the parent shows them if the test fails); drops the rest. */
function stderrLogger(): NonNullable<PartitionLogOptions['logger']> {
  const write = (level: string) => (obj: unknown, msg?: string): void => {
    process.stderr.write(`${level} ${msg ?? ''} ${JSON.stringify(obj)}\n`);
  };
  const quiet = (): void => undefined;
  const logger: Record<string, unknown> = { warn: write('warn'), error: write('error'), fatal: write('fatal') };
  const proxy: unknown = new Proxy(logger, {
    get: (target, name) => (name === 'child' ? () => proxy : typeof name === 'string' && name in target ? target[name] : quiet),
  });
  return proxy as NonNullable<PartitionLogOptions['logger']>;
}

function newestSegmentFile(dir: string): string {
  const names = fs.readdirSync(dir).filter((n) => /^\d{20}\.log$/.test(n)).sort();
  const newest = names[names.length - 1];
  if (newest === undefined) fail(`no segment file in ${dir}`);
  return newest;
}

async function main(): Promise<void> {
  const { dir, policy, seed, startBatch, epoch, inFlight: inFlightLimit } = parseArgs(process.argv.slice(2));
  const log = await PartitionLog.open(dir, {
    config: { segmentBytes: SEGMENT_BYTES, indexIntervalBytes: 4096, flushPolicy: policy },
    logger: stderrLogger(),
  });
  const expectedEnd = generatedBaseOffset(seed, startBatch);
  if (log.logEndOffset !== expectedEnd) fail(`log ends at ${log.logEndOffset}, batch ${startBatch} should start at ${expectedEnd}`);
  process.stdout.write(`ready ${log.logEndOffset}\n`);

  let segmentFile = newestSegmentFile(dir);
  let segmentCount = log.segmentCount;
  const inFlight: Array<Promise<void>> = [];
  for (let index = startBatch; ; index++) {
    const info = log.append(encodeGeneratedBatch(seed, index), { assignOffsets: true, leaderEpoch: epoch });
    if (log.segmentCount !== segmentCount) {
      // A roll: the batch went to a new segment named after its first offset.
      segmentCount = log.segmentCount;
      segmentFile = `${String(info.firstOffset).padStart(20, '0')}.log`;
    }
    const file = segmentFile;
    const size = fs.statSync(path.join(dir, file)).size;
    const next = info.lastOffset + 1;
    inFlight.push(
      log.waitForDurable(next).then(() => {
        process.stdout.write(`durable ${next} ${index} ${file} ${size}\n`);
      }),
    );
    if (inFlight.length >= inFlightLimit) await inFlight.shift();
  }
}

main().catch((error: unknown) => fail((error as Error).stack ?? String(error)));
