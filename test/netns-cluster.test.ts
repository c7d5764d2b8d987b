// The network-namespace mode of the process cluster: every node in its own namespace with its own
// address, faults made by routing rules inside the namespaces. Isolating the partition leader
// moves leadership, healing brings it back into the ISR, and stop() leaves no namespace behind.
// Needs root and `ip netns`; without them it is skipped (with the reason printed), unless
// QUILL_NETNS=1 asks for it, and then it fails with the reason.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { eventually } from '@quill/test-support';
import { NETNS_STATE_FILE, NetnsNetwork, netnsUnavailableReason, quillNamespaces, removeNetnsLeftovers, startCluster, type TestCluster } from '@quill/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { describePartition, readPartition } from './support/cluster-helpers.js';

const unavailable = netnsUnavailableReason();
const required = process.env['QUILL_NETNS'] === '1';
if (unavailable !== undefined && !required) console.log(`netns-cluster: skipped: ${unavailable} (QUILL_NETNS=1 makes this a failure)`);

const ours = (): string[] => quillNamespaces().filter((name) => name.startsWith(`quill-${process.pid}-`));

describe.skipIf(unavailable !== undefined && !required)("startCluster({ processes: true, network: 'netns' })", () => {
  let cluster: TestCluster | undefined;
  afterAll(() => cluster?.stop());

  it('isolating the leader moves leadership; healing brings it back into the ISR; stop removes every namespace', async () => {
    if (unavailable !== undefined) throw new Error(`QUILL_NETNS=1 but network namespaces are unavailable: ${unavailable}`);
    // One controller: the fault is the partition leader's; fewer namespaces and processes to start.
    cluster = await startCluster({ brokers: 3, controllers: 1, processes: true, network: 'netns' });
    expect(ours()).toHaveLength(5); // four nodes and the switch
    // Every node has its own address; the test reaches them through its veth into the switch.
    for (const address of cluster.bootstrap) expect(address).toMatch(/^10\.231\.\d+\.\d+:9092$/);

    const quill = cluster.client({ requestTimeoutMs: 5_000 });
    const admin = quill.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'events', numPartitions: 1, replicationFactor: 3 }] });
    const before = await eventually(async () => {
      const p = await describePartition(admin, 'events', 0);
      return p.isr.length === 3 && p.leader > 0 ? p : undefined;
    }, { timeoutMs: 30_000, intervalMs: 50, description: 'a full ISR' });
    const network = cluster.network;
    for (const follower of before.isr.filter((id) => id !== before.leader)) {
      await eventually(async () => network.connections(follower, before.leader) > 0, { timeoutMs: 10_000, intervalMs: 50, description: `broker ${follower} fetching from the leader` });
    }
    const producer = quill.producer();
    await producer.connect();
    for (let i = 0; i < 10; i++) await producer.send({ topic: 'events', acks: -1, messages: [{ value: `v${i}` }] });
    await producer.disconnect();
    await admin.disconnect();

    // Cut: open connections are reset and the isolated node's packets discarded. A client that
    // dials it now sees its SYNs vanish, as on a real network, and waits out its timeouts; so the
    // clients from here on bootstrap from the other brokers.
    network.isolate(before.leader, 'cut', { clients: true });
    const others = cluster.client({ requestTimeoutMs: 5_000, brokers: cluster.bootstrap.filter((_, i) => cluster!.brokerIds[i] !== before.leader) });
    const otherAdmin = others.admin();
    await otherAdmin.connect();
    const after = await eventually(async () => {
      const p = await describePartition(otherAdmin, 'events', 0);
      return p.leader > 0 && p.leader !== before.leader && !p.isr.includes(before.leader) ? p : undefined;
    }, { timeoutMs: 60_000, intervalMs: 50, description: 'a new leader without the isolated broker' });
    expect(after.leaderEpoch).toBeGreaterThan(before.leaderEpoch);
    const failoverProducer = others.producer();
    await failoverProducer.connect();
    for (let i = 10; i < 20; i++) await failoverProducer.send({ topic: 'events', acks: -1, messages: [{ value: `v${i}` }] });
    await failoverProducer.disconnect();

    network.heal();
    await eventually(async () => {
      const p = await describePartition(otherAdmin, 'events', 0);
      return p.isr.includes(before.leader) && p.isr.length === 3 ? p : undefined;
    }, { timeoutMs: 60_000, intervalMs: 50, description: 'the healed broker back in the ISR' });
    await otherAdmin.disconnect();
    const values = await readPartition(quill, 'events', 0, 20);
    expect([...values.values()]).toEqual(Array.from({ length: 20 }, (_, i) => `v${i}`));

    await cluster.stop();
    cluster = undefined;
    expect(ours()).toEqual([]);
    expect(execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })).not.toMatch(new RegExp(`\\bqn${process.pid}-`));
  }, 120_000);

  it('drop discards packets, cut refuses and resets, heal restores, each in the namespaces only', async () => {
    if (unavailable !== undefined) throw new Error(`QUILL_NETNS=1 but network namespaces are unavailable: ${unavailable}`);
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-netns-test-'));
    const network = NetnsNetwork.create({ nodes: ['node-1', 'node-2'], stateDir });
    const servers: ChildProcess[] = [];
    try {
      for (const node of network.nodes) servers.push(await echoServer(network, node));
      const target = `${network.address('node-2')}:${PROBE_PORT}`;
      expect(await probe(network, 'node-1', target)).toBe('connected');
      expect(await probe(network, 'client', target)).toBe('connected');

      network.drop('node-1', 'node-2'); // packets vanish: the connect times out
      expect(await probe(network, 'node-1', target)).toBe('timeout');
      expect(await probe(network, 'client', target)).toBe('connected'); // other links untouched
      network.heal();
      expect(await probe(network, 'node-1', target)).toBe('connected');

      const held = await holdConnection(network, 'node-1', target);
      expect(network.connections('node-1', 'node-2')).toBe(1);
      expect(network.connections('node-2', 'node-1')).toBe(0); // node-2 did not dial
      network.cut('node-1', 'node-2'); // open connections destroyed, new ones refused at once in the sender
      expect(await held.ended).toMatch(/^E[A-Z]+$/);
      expect(network.connections('node-1', 'node-2')).toBe(0);
      expect(await probe(network, 'node-1', target)).toBe('EACCES');
      network.heal();

      network.isolate('node-2', 'drop', ['client']);
      expect(await probe(network, 'client', target)).toBe('timeout');
      expect(await probe(network, 'node-1', `${network.address('node-1')}:${PROBE_PORT}`)).toBe('connected'); // a node still reaches itself
      network.heal();
      expect(await probe(network, 'client', target)).toBe('connected');
      expect(() => network.delay('node-1', 'node-2', 10)).toThrow(/not supported in netns mode/);
    } finally {
      for (const server of servers) server.kill('SIGKILL');
      network.destroy();
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
    expect(ours()).toEqual([]);
  }, 60_000);

  it('a build that fails half way removes what it had created', () => {
    if (unavailable !== undefined) throw new Error(`QUILL_NETNS=1 but network namespaces are unavailable: ${unavailable}`);
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-netns-test-'));
    try {
      // `ip netns add` refuses a name with a slash: the second node's namespace cannot be made.
      expect(() => NetnsNetwork.create({ nodes: ['node-1', 'bad/name'], stateDir })).toThrow(/ip netns add/);
      const state = JSON.parse(fs.readFileSync(path.join(stateDir, NETNS_STATE_FILE), 'utf8')) as { namespaces: string[] };
      expect(state.namespaces).toHaveLength(3);
      expect(ours()).toEqual([]);
    } finally {
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it("removes a crashed run's namespaces and root veth", () => {
    if (unavailable !== undefined) throw new Error(`QUILL_NETNS=1 but network namespaces are unavailable: ${unavailable}`);
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-netns-test-'));
    try {
      // A process that builds a network and dies by SIGKILL, so no cleanup of its own runs.
      const crashed = spawnSync(
        process.execPath,
        ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', CRASHING_RUN, stateDir],
        { cwd: path.dirname(new URL(import.meta.url).pathname), encoding: 'utf8', timeout: 30_000 },
      );
      expect(crashed.signal, crashed.stderr).toBe('SIGKILL');
      const state = JSON.parse(fs.readFileSync(path.join(stateDir, NETNS_STATE_FILE), 'utf8')) as { namespaces: string[]; rootLink: string };
      expect(quillNamespaces()).toEqual(expect.arrayContaining(state.namespaces));
      expect(removeNetnsLeftovers()).toEqual(expect.arrayContaining([...state.namespaces, state.rootLink]));
      expect(quillNamespaces()).not.toEqual(expect.arrayContaining([state.namespaces[0]]));
      expect(execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })).not.toContain(`${state.rootLink}@`);
    } finally {
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  }, 60_000);
});

const CRASHING_RUN = `
import { NetnsNetwork } from '@quill/testing';
NetnsNetwork.create({ nodes: ['node-1', 'node-2'], stateDir: process.argv[1] });
process.kill(process.pid, 'SIGKILL');
`;

const PROBE_PORT = 7000;
/** How long a probe's connect may take before the link counts as dropped (a healthy one takes ms). */
const PROBE_TIMEOUT_MS = 1_000;

/** A TCP server on the node's address (accepts and holds connections), started in its namespace. */
async function echoServer(network: NetnsNetwork, node: string): Promise<ChildProcess> {
  const code = `require('net').createServer((s) => s.on('error', () => {})).listen(${PROBE_PORT}, '${network.address(node)}', () => console.log('listening'))`;
  const [command, ...args] = [...network.commandPrefix(node), process.execPath, '-e', code];
  const child = spawn(command!, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`echo server in ${node} exited with ${code}`)));
  });
  return child;
}

/** Dials `target` from a node's namespace (or from this process for `client`): 'connected', an errno code, or 'timeout'. */
async function probe(network: NetnsNetwork, from: string, target: string): Promise<string> {
  const [host, port] = target.split(':') as [string, string];
  if (from === 'client') return dial(host, Number(port));
  const code = `
    const s = require('net').connect(${port}, '${host}');
    const t = setTimeout(() => { console.log('timeout'); process.exit(0); }, ${PROBE_TIMEOUT_MS});
    s.on('connect', () => { console.log('connected'); process.exit(0); });
    s.on('error', (e) => { console.log(e.code); process.exit(0); });`;
  const [command, ...args] = [...network.commandPrefix(from), process.execPath, '-e', code];
  return new Promise((resolve) => {
    const child = spawn(command!, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', () => resolve(out.trim()));
  });
}

/** Opens a connection from a node's namespace; resolves once it is open, with `ended`: the error that ends it. */
async function holdConnection(network: NetnsNetwork, from: string, target: string): Promise<{ ended: Promise<string> }> {
  const [host, port] = target.split(':') as [string, string];
  const code = `
    const s = require('net').connect(${port}, '${host}');
    s.on('connect', () => console.log('connected'));
    s.on('error', (e) => { console.log(e.code); process.exit(0); });
    setTimeout(() => { console.log('still open'); process.exit(0); }, 20000);`;
  const [command, ...args] = [...network.commandPrefix(from), process.execPath, '-e', code];
  const child = spawn(command!, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let connected: () => void = () => undefined;
  const open = new Promise<void>((resolve) => (connected = resolve));
  child.stdout!.on('data', (chunk: Buffer) => {
    lines.push(...chunk.toString().trim().split('\n'));
    if (lines.includes('connected')) connected();
  });
  const ended = new Promise<string>((resolve) => child.once('exit', () => resolve(lines.filter((l) => l !== 'connected').join(' '))));
  await open;
  return { ended };
}

function dial(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('timeout');
    }, PROBE_TIMEOUT_MS);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(error.code ?? 'error');
    });
  });
}
