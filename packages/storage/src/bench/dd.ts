import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** One `dd ... conv=fdatasync` run: the raw sequential write bandwidth of the disk under `dir`. */
export interface DdResult {
  command: string;
  bytes: number;
  seconds: number;
  /** bytes / 10^6 / seconds, computed from dd's own byte count and time (dd's MB are 10^6 B too). */
  mbPerSec: number;
  /** dd's summary line as printed. */
  summary: string;
}

const SUMMARY = /^(\d+) bytes .* copied, ([\d.]+) s, (.+)$/m;

/** Writes `mb` MiB of zeros to a file in `dir` with one fdatasync at the end, then deletes the file. */
export async function runDd(dir: string, mb: number): Promise<DdResult> {
  const file = path.join(dir, 'dd.bin');
  const args = ['if=/dev/zero', `of=${file}`, 'bs=1M', `count=${mb}`, 'conv=fdatasync'];
  try {
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn('dd', args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
      let stderr = '';
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => (stderr += chunk));
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stderr }));
    });
    const match = SUMMARY.exec(stderr);
    if (code !== 0 || match === null) throw new Error(`dd exited with ${code}: ${stderr.trim()}`);
    const bytes = Number(match[1]);
    const seconds = Number(match[2]);
    return { command: `dd ${args.join(' ')}`, bytes, seconds, mbPerSec: bytes / 1e6 / seconds, summary: match[0] };
  } finally {
    fs.rmSync(file, { force: true });
  }
}
