import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { QuillError } from '@quill/client';

/**
 * kcat (librdkafka's command-line client) as a benchmark client: a record file written once,
 * a producer run and a consumer run, each timed from spawn to exit.
 */

/** Longest a single kcat run may take before it is killed and the benchmark fails. */
const KCAT_RUN_TIMEOUT_MS = 600_000;
/** Lines of the record file written at a time. */
const RECORD_FILE_CHUNK_LINES = 1000;
/** Bytes of kcat's stderr kept for an error message. */
const KCAT_STDERR_KEPT_BYTES = 4096;

/** The producer settings kcat is given, as a user after throughput would set them. */
export interface KcatProducerSettings {
  batchSize: number;
  lingerMs: number;
  idempotent: boolean;
}

/** kcat's and librdkafka's versions, or INVALID_CONFIG saying how to get kcat. */
export function kcatVersion(kcat: string): string {
  const run = spawnSync(kcat, ['-V'], { encoding: 'utf8' });
  if (run.error !== undefined) {
    throw new QuillError('INVALID_CONFIG', `kcat not found ('${kcat}': ${run.error.message}): install it (apt-get install kcat) or give its path with --kcat.`);
  }
  return versionOf(run.stdout);
}

/** "kcat 1.7.1 (librdkafka 2.0.2)" from the output of `kcat -V`. */
export function versionOf(output: string): string {
  const match = /Version (\S+).*librdkafka (\S+)/.exec(output);
  return match === null ? 'kcat (unknown version)' : `kcat ${match[1]} (librdkafka ${match[2]})`;
}

/**
 * Writes `records` lines of `value` (which must hold no newline) to a file in `dir`: kcat -P -l
 * sends each line as a record's value.
 */
export function writeRecordFile(dir: string, value: Buffer, records: number): string {
  const file = path.join(dir, `records-${value.length}b-${records}.txt`);
  const line = Buffer.concat([value, Buffer.from('\n')]);
  const chunk = Buffer.concat(Array.from({ length: Math.min(records, RECORD_FILE_CHUNK_LINES) }, () => line));
  const fd = fs.openSync(file, 'w');
  try {
    for (let left = records; left > 0; left -= RECORD_FILE_CHUNK_LINES) {
      fs.writeSync(fd, chunk, 0, Math.min(left, RECORD_FILE_CHUNK_LINES) * line.length);
    }
  } finally {
    fs.closeSync(fd);
  }
  return file;
}

/** The arguments of a kcat producer run sending every line of `file` to `topic` with acks=all, uncompressed. */
export function kcatProducerArgs(bootstrap: string, topic: string, file: string, settings: KcatProducerSettings): string[] {
  return [
    '-P',
    '-b', bootstrap,
    '-t', topic,
    '-X', 'acks=all',
    '-X', `enable.idempotence=${settings.idempotent}`,
    '-X', 'compression.codec=none',
    '-X', `linger.ms=${settings.lingerMs}`,
    '-X', `batch.size=${settings.batchSize}`,
    '-l', file,
  ];
}

/** The arguments of a kcat consumer run reading every partition of `topic` from the start to its end, printing each value's size. */
export function kcatConsumerArgs(bootstrap: string, topic: string): string[] {
  return ['-C', '-b', bootstrap, '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%S\n'];
}

/** Sums the value sizes kcat printed one per line, carrying a partial last line to the next chunk. */
export class ValueSizeCounter {
  records = 0;
  bytes = 0;
  private rest = '';

  add(text: string): void {
    const lines = (this.rest + text).split('\n');
    this.rest = lines.pop()!;
    for (const line of lines) {
      if (line === '') continue;
      this.records++;
      this.bytes += Math.max(0, Number(line));
    }
  }
}

/**
 * Runs kcat with `args` to its exit and returns its run time in seconds, handing its stdout to
 * `onStdout`; a non-zero exit or the deadline fails with kcat's stderr.
 */
export function timeKcat(kcat: string, args: readonly string[], onStdout: (text: string) => void = () => undefined): Promise<number> {
  const started = performance.now();
  const child = spawn(kcat, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', onStdout);
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-KCAT_STDERR_KEPT_BYTES)));
  return new Promise<number>((resolve, reject) => {
    const deadline = setTimeout(() => child.kill('SIGKILL'), KCAT_RUN_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(deadline);
      reject(new QuillError('INVALID_CONFIG', `kcat could not be started: ${error.message}`, { cause: error }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(deadline);
      const seconds = (performance.now() - started) / 1000;
      if (code === 0) return resolve(seconds);
      const how = signal === 'SIGKILL' ? `was killed after ${KCAT_RUN_TIMEOUT_MS} ms` : `exited ${code ?? signal}`;
      reject(new QuillError('UNKNOWN_SERVER_ERROR', `kcat ${args.join(' ')} ${how}:\n${stderr}`));
    });
  });
}
