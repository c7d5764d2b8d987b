import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NodeProcess, freePort } from '@quill/testing';
import { afterEach, describe, expect, it } from 'vitest';

// The README's start command: `quill dev --demo` starts three combined nodes as processes, prints
// `ready <bootstrap>`, runs a produce/consume round trip, and stops everything on SIGINT.

let dev: NodeProcess | undefined;
let dataDir: string | undefined;
afterEach(async () => {
  await dev?.stop();
  if (dataDir !== undefined) fs.rmSync(dataDir, { recursive: true, force: true });
  dev = dataDir = undefined;
});

describe('quill dev', () => {
  it('starts a three-node cluster, shows a round trip, and stops cleanly', async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-dev-'));
    const basePort = await freePort();
    dev = new NodeProcess('dev', ['dev', '--demo', '--data-dir', dataDir, '--base-port', String(basePort)]);
    dev.start();
    await expect.poll(() => dev!.logs, { timeout: 90_000, interval: 100 }).toContain('round trip ok');
    expect(dev.logs).toContain(`ready 127.0.0.1:${basePort}`);
    expect(dev.logs).toMatch(/consumed greetings-0 offset 2: ja = konnichiwa/);
    await dev.stop();
    expect(dev.running).toBe(false);
    // Each node finished its own shutdown: none was left for SIGKILL waiting on a controller quorum
    // that the other nodes, stopping at the same time, had already taken down.
    for (const node of [1, 2, 3]) expect(fs.readFileSync(path.join(dataDir, `node-${node}.log`), 'utf8')).toContain('"msg":"broker stopped"');
  });
});
