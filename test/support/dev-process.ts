import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NodeProcess, freePort } from '@quill/testing';

/** A `quill dev` process on a free base port with a temporary data dir of its own. */
export interface DevRun {
  readonly process: NodeProcess;
  readonly dataDir: string;
  readonly basePort: number;
}

/** Starts `quill dev <args> --data-dir <new temp dir> --base-port <free port>`. */
export async function startDev(args: readonly string[], dataDirPrefix: string): Promise<DevRun> {
  const basePort = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), dataDirPrefix));
  const dev = new NodeProcess('dev', ['dev', ...args, '--data-dir', dataDir, '--base-port', String(basePort)]);
  dev.start();
  return { process: dev, dataDir, basePort };
}

/** Stops dev (which stops its nodes) and removes its data dir. */
export async function stopDev(run: DevRun | undefined): Promise<void> {
  if (run === undefined) return;
  await run.process.stop();
  fs.rmSync(run.dataDir, { recursive: true, force: true });
}

/** What node `nodeId` of a dev cluster logged (dev writes each node's log into its data dir). */
export function devNodeLog(run: DevRun, nodeId: number): string {
  return fs.readFileSync(path.join(run.dataDir, `node-${nodeId}.log`), 'utf8');
}
