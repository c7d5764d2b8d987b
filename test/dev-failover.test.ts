import fs from 'node:fs';
import { Quill } from '@quill/client';
import { ControllerClient } from '@quill/metadata';
import type { DescribeQuorumResponse__Output } from '@quill/proto';
import { eventually } from '@quill/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { describePartition, readPartition } from './support/cluster-helpers.js';
import { devNodeLog, startDev, stopDev, type DevRun } from './support/dev-process.js';
import { runQuill } from './support/run-quill.js';

// `quill dev` as a failover playground: a node killed with SIGKILL leaves the other two serving,
// dev says how to start it again, `quill dev restart-node N` (the README's way) brings it back
// on its data under dev's supervision, and a node paused with SIGSTOP disturbs nothing.

const TOPIC = 'failover';

let run: DevRun | undefined;
let quill: Quill | undefined;
/** Every node pid seen, so none outlives the test even when an assertion fails half-way. */
const seenPids = new Set<number>();

afterEach(async () => {
  await quill?.admin().disconnect();
  await run?.process.stop();
  for (const pid of seenPids) {
    try {
      process.kill(pid, 'SIGCONT');
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone, as it should be.
    }
  }
  seenPids.clear();
  await stopDev(run);
  run = quill = undefined;
});

/** Dev's node processes (its children on Linux /proc), by the --node-id on their command line. */
function devNodes(devPid: number): Map<number, number> {
  const nodes = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after "(comm)": state, ppid, ...
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== devPid) continue;
      const args = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      // Other children (tsx's esbuild service) carry no node id.
      const at = args.indexOf('--node-id');
      if (at >= 0) nodes.set(Number(args[at + 1]), Number(entry));
    } catch {
      // The process ended while being read.
    }
  }
  for (const pid of nodes.values()) seenPids.add(pid);
  return nodes;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The node that is the active controller now, asked of the quorum itself. */
async function activeController(basePort: number): Promise<number> {
  const client = new ControllerClient({ controllers: [0, 1, 2].map((i) => `127.0.0.1:${basePort + 10 + i}`), timeoutMs: 30_000 });
  try {
    return (await client.call<DescribeQuorumResponse__Output>('DescribeQuorum', {})).leaderId;
  } finally {
    client.close();
  }
}

function processState(pid: number): string {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]!;
}

describe('quill dev failover', () => {
  it('keeps serving when a node is SIGKILLed, restarts it with restart-node into the ISR, and shrugs off SIGSTOP', async () => {
    run = await startDev([], 'quill-dev-failover-');
    const { process: dev, dataDir, basePort } = run;
    const addresses = [0, 1, 2].map((i) => `127.0.0.1:${basePort + i}`);
    const devPid = dev.pid!;
    await expect.poll(() => dev.logs, { timeout: 90_000, interval: 100 }).toContain(`ready ${addresses[0]}`);
    const pids = devNodes(devPid);
    expect([...pids.keys()].sort()).toEqual([1, 2, 3]);

    // A short request deadline: a metadata request that lands on the paused broker moves on to the next one soon.
    quill = new Quill({ brokers: addresses, clientId: 'dev-failover-test', logLevel: 'silent', requestTimeoutMs: 3_000 });
    const admin = quill.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic: TOPIC, numPartitions: 1, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }],
    });
    const before = await eventually(async () => {
      const p = await describePartition(admin, TOPIC, 0);
      return p.isr.length === 3 && p.leader > 0 ? p : undefined;
    }, { timeoutMs: 30_000, intervalMs: 50, description: 'a full ISR' });

    // Kill the partition leader, as a user trying failover would.
    const victim = before.leader;
    process.kill(pids.get(victim)!, 'SIGKILL');
    const restartCommand = `quill dev restart-node ${victim} --data-dir ${dataDir}`;
    await expect.poll(() => dev.logs, { timeout: 15_000, interval: 100 }).toContain(restartCommand);
    expect(dev.logs).toMatch(new RegExp(`node-${victim} exited unexpectedly \\(killed by SIGKILL\\)`));

    // The survivors alone serve acks=all writes (ISR 2 of 3 meets min.insync.replicas=2) and reads.
    const survivors = [1, 2, 3].filter((id) => id !== victim);
    const viaSurvivors = new Quill({ brokers: survivors.map((id) => addresses[id - 1]!), clientId: 'dev-failover-survivors', logLevel: 'silent' });
    const producer = viaSurvivors.producer();
    await producer.connect();
    const acknowledged: Array<{ value: string; offset: number }> = [];
    try {
      for (let i = 0; i < 20; i++) {
        const value = `after-kill-${i}`;
        const [sent] = await producer.send({ topic: TOPIC, acks: -1, messages: [{ value, partition: 0 }] });
        acknowledged.push({ value, offset: sent!.baseOffset });
      }
    } finally {
      await producer.disconnect();
    }
    const shrunk = await describePartition(admin, TOPIC, 0);
    expect(shrunk.isr.sort()).toEqual(survivors);
    const read = await readPartition(viaSurvivors, TOPIC, 0, acknowledged.at(-1)!.offset + 1);
    for (const { value, offset } of acknowledged) expect(read.get(offset), `offset ${offset}`).toBe(value);
    expect(dev.running).toBe(true);

    // Start it again the documented way, from "another terminal".
    const restart = await runQuill(['dev', 'restart-node', String(victim), '--data-dir', dataDir]);
    expect(restart.code, restart.stderr).toBe(0);
    await eventually(async () => (await describePartition(admin, TOPIC, 0)).isr.includes(victim), { timeoutMs: 60_000, intervalMs: 50, description: `node ${victim} back in the ISR` });
    const restartedPid = devNodes(devPid).get(victim);
    expect(restartedPid).toBeDefined();
    expect(restartedPid).not.toBe(pids.get(victim));

    // Pause a follower: it drops out of the ISR, dev neither exits nor restarts it; resumed, it rejoins.
    // Not the active controller: brokers would keep following its silent metadata stream until it resumes.
    const leader = (await describePartition(admin, TOPIC, 0)).leader;
    const controller = await activeController(basePort);
    const paused = [1, 2, 3].find((id) => id !== leader && id !== controller)!;
    const pausedPid = devNodes(devPid).get(paused)!;
    const exitsReported = (): number => dev.logs.split('exited unexpectedly').length - 1;
    const exitsBefore = exitsReported();
    process.kill(pausedPid, 'SIGSTOP');
    try {
      await eventually(async () => !(await describePartition(admin, TOPIC, 0)).isr.includes(paused), { timeoutMs: 60_000, intervalMs: 50, description: `paused node ${paused} out of the ISR` });
      expect(processState(pausedPid)).toBe('T');
      expect(dev.running).toBe(true);
      expect(exitsReported()).toBe(exitsBefore);
      expect(devNodes(devPid).get(paused)).toBe(pausedPid);
    } finally {
      process.kill(pausedPid, 'SIGCONT');
    }
    await eventually(async () => (await describePartition(admin, TOPIC, 0)).isr.length === 3, { timeoutMs: 60_000, intervalMs: 50, description: `node ${paused} back in the ISR` });

    // Ctrl-C: dev stops every node, the restarted one included, each with a clean shutdown.
    await admin.disconnect();
    process.kill(devPid, 'SIGINT');
    await expect.poll(() => dev.running, { timeout: 60_000, interval: 100 }).toBe(false);
    expect(dev.logs).toContain('Stopped.');
    for (const pid of [...pids.values(), restartedPid!]) expect(alive(pid), `pid ${pid}`).toBe(false);
    for (const node of [1, 2, 3]) expect(devNodeLog(run, node)).toContain('"msg":"broker stopped"');
  });
});
