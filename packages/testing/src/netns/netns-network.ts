import fs from 'node:fs';
import path from 'node:path';
import { CLIENT_SOURCE } from '../proxy/client-source.js';
import type { PartitionMode } from '../proxy/proxy-network.js';
import { ipBatch, ipIn, run, tryRun } from './ip-command.js';

/** Every namespace of ours is `quill-<pid>-<k>-<node>`; the pid tells whether its run is still alive. */
const NAMESPACE_OWNER = /^quill-(\d+)-\d+-/;
/** Our one interface in the root namespace: `qn<pid>-<k>` (interface names have at most 15 characters). */
const ROOT_LINK_OWNER = /^qn(\d+)-\d+$/;
/** Private /24s 10.231.<x>.0/24, one per cluster; <x> is chosen among those the host does not use. */
const SUBNET_PREFIX = '10.231';
/** The test process (root namespace) is .1 on the subnet; nodes are .10, .11, ... */
const CLIENT_HOST = 1;
const FIRST_NODE_HOST = 10;
/** Fault rules are looked up before the `local` table, which moves from priority 0 to this one. */
const FAULT_RULE_PREF = 10;
const LOCAL_RULE_PREF = 100;
/** Written into the cluster's temp dir, so a person (or a script) can see what to remove. */
export const NETNS_STATE_FILE = 'netns.json';

let clustersInThisProcess = 0;

export interface NetnsNetworkOptions {
  /** Node names (e.g. `node-1`, `controller-101`): one namespace and one address each. */
  nodes: readonly string[];
  /** Where `netns.json` (the names of everything created) is written. */
  stateDir: string;
}

/**
 * Nodes in their own Linux network namespaces, each with one address on a private /24, joined by
 * veth pairs to a bridge inside an extra "switch" namespace; the root namespace (the test and its
 * clients, source `client`) has one veth into the switch at `.1`. Nothing else of the host's
 * network is touched. Faults are policy-routing rules inside the nodes' namespaces, looked up
 * before the local table: `drop` (blackhole) discards a peer's packets on arrival, so the sender
 * sees plain packet loss; `cut` (prohibit) also makes the sender's own connects fail at once and
 * destroys open connections (`ss -K`). Each rule is one direction, so `block` is one-way by
 * construction and the pairwise faults do both sides. Needs root and iproute2.
 */
export class NetnsNetwork {
  /** Fault rules in place, as `<namespace>\t<rule>`. */
  private readonly faults = new Set<string>();
  private destroyed = false;
  private readonly onExit = (): void => this.destroy();

  private constructor(
    private readonly switchNamespace: string,
    private readonly rootLink: string,
    /** Node name → its namespace. */
    private readonly namespaces: ReadonlyMap<string, string>,
    /** Node name (and `client`) → its address. */
    private readonly addresses: ReadonlyMap<string, string>,
  ) {}

  /**
   * Removes what crashed earlier runs left, then builds the namespaces, bridge and veths; on any
   * failure removes whatever it had created before throwing. Cleans up on process exit too.
   */
  static create(options: NetnsNetworkOptions): NetnsNetwork {
    removeNetnsLeftovers();
    const tag = `${process.pid}-${clustersInThisProcess++}`;
    const subnet = `${SUBNET_PREFIX}.${freeSubnetOctet()}`;
    const namespaces = new Map(options.nodes.map((node) => [node, `quill-${tag}-${node}`]));
    const addresses = new Map<string, string>([
      [CLIENT_SOURCE, `${subnet}.${CLIENT_HOST}`],
      ...options.nodes.map((node, i) => [node, `${subnet}.${FIRST_NODE_HOST + i}`] as const),
    ]);
    const network = new NetnsNetwork(`quill-${tag}-switch`, `qn${tag}`, namespaces, addresses);
    fs.writeFileSync(
      path.join(options.stateDir, NETNS_STATE_FILE),
      `${JSON.stringify({ namespaces: [network.switchNamespace, ...namespaces.values()], rootLink: network.rootLink, subnet: `${subnet}.0/24`, addresses: Object.fromEntries(addresses) }, null, 2)}\n`,
    );
    process.once('exit', network.onExit);
    try {
      network.build();
    } catch (error) {
      network.destroy();
      throw error;
    }
    return network;
  }

  get nodes(): string[] {
    return [...this.namespaces.keys()];
  }

  /** Every namespace this network created (the switch's first). */
  get namespaceNames(): string[] {
    return [this.switchNamespace, ...this.namespaces.values()];
  }

  /** The IPv4 address of a node, or of `client` (the test process's side). */
  address(name: string): string {
    const address = this.addresses.get(name);
    if (address === undefined) throw new Error(`unknown node '${name}'`);
    return address;
  }

  /** The command prefix that runs a program inside node `name`'s namespace. */
  commandPrefix(name: string): string[] {
    return ['ip', 'netns', 'exec', this.namespaceOf(name)];
  }

  /** Resets every connection between a and b (both ways) and makes new ones fail until healed. */
  cut(a: string, b: string): void {
    this.killConnections(a, b);
    this.addRules([...this.rulesFor(a, b, 'prohibit'), ...this.rulesFor(b, a, 'prohibit')]);
    // Connections opened between the first kill and the rules.
    if (a !== CLIENT_SOURCE && b !== CLIENT_SOURCE) this.killConnections(a, b);
  }

  /** Discards every packet between a and b (both ways): calls time out. */
  drop(a: string, b: string): void {
    this.addRules([...this.rulesFor(a, b, 'blackhole'), ...this.rulesFor(b, a, 'blackhole')]);
  }

  /** Delays need `tc netem`, which this mode does not rely on (many kernels lack sch_netem). */
  delay(_a: string, _b: string, _delayMs: number): void {
    throw new Error('delay is not supported in netns mode; use a proxied cluster (proxied: true)');
  }

  /** One way: packets from `from` to `to` are discarded; packets from `to` to `from` pass. */
  block(from: string, to: string): void {
    this.addRules(this.rulesFor(from, to, 'blackhole'));
  }

  /** No traffic between any node of `groupA` and any node of `groupB`. */
  partition(groupA: readonly string[], groupB: readonly string[], mode: PartitionMode = 'drop'): void {
    for (const a of groupA) for (const b of groupB) (mode === 'cut' ? this.cut(a, b) : this.drop(a, b));
  }

  /** Separates `node` from every other node, and from the sources in `alsoFrom` (`client`). */
  isolate(node: string, mode: PartitionMode = 'drop', alsoFrom: readonly string[] = []): void {
    this.partition([node], [...this.nodes.filter((n) => n !== node), ...alsoFrom], mode);
  }

  /** Established TCP connections that `from` opened to `to` (to a port `to` listens on). */
  connections(from: string, to: string): number {
    const listening = new Set(sockets(this.ss(to, ['-tlnH'])).map((s) => s.localPort));
    return sockets(this.ss(from, ['-tnH', 'state', 'established', 'dst', this.address(to)])).filter((s) => listening.has(s.peerPort)).length;
  }

  /** Removes every fault rule. */
  heal(): void {
    const byNamespace = new Map<string, string[]>();
    for (const fault of this.faults) {
      const [namespace, rule] = fault.split('\t') as [string, string];
      byNamespace.set(namespace, [...(byNamespace.get(namespace) ?? []), `rule del pref ${FAULT_RULE_PREF} ${rule}`]);
    }
    for (const [namespace, commands] of byNamespace) ipBatch(namespace, commands, true);
    this.faults.clear();
  }

  /**
   * Deletes every namespace (and with them the veths and the bridge) and the root veth. Processes
   * still inside a node's namespace are killed first: a namespace outlives its deletion while a
   * process holds it. Safe to call twice and after a failed build.
   */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    process.removeListener('exit', this.onExit);
    for (const namespace of this.namespaceNames) deleteNamespace(namespace);
    if (linkNames().includes(this.rootLink)) tryRun('ip', ['link', 'del', this.rootLink]);
  }

  private build(): void {
    run('ip', ['netns', 'add', this.switchNamespace]);
    ipBatch(this.switchNamespace, ['link set lo up', 'link add br0 type bridge', 'link set br0 up']);
    [...this.namespaces].forEach(([node, namespace], i) => {
      run('ip', ['netns', 'add', namespace]);
      ipIn(this.switchNamespace, ['link', 'add', `v${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', namespace]);
      ipIn(this.switchNamespace, ['link', 'set', `v${i}`, 'master', 'br0', 'up']);
      ipBatch(namespace, [
        'link set lo up',
        'link set eth0 up',
        `addr add ${this.address(node)}/24 dev eth0`,
        // Fault rules must see a peer's packets before the local table delivers them.
        `rule add pref ${LOCAL_RULE_PREF} lookup local`,
        'rule del pref 0',
      ]);
    });
    run('ip', ['link', 'add', this.rootLink, 'type', 'veth', 'peer', 'name', 'host', 'netns', this.switchNamespace]);
    ipIn(this.switchNamespace, ['link', 'set', 'host', 'master', 'br0', 'up']);
    run('ip', ['addr', 'add', `${this.address(CLIENT_SOURCE)}/24`, 'dev', this.rootLink]);
    run('ip', ['link', 'set', this.rootLink, 'up']);
  }

  /**
   * The rules that stop packets from → to. The receiver discards them on arrival (blackhole:
   * silent loss; prohibit, for cuts, the same on input). The sender gets a rule only for a cut
   * (its connects then fail at once) or when the receiver is the root namespace, which is never
   * changed.
   */
  private rulesFor(from: string, to: string, action: 'blackhole' | 'prohibit'): Array<[string, string]> {
    const rules: Array<[string, string]> = [];
    if (to !== CLIENT_SOURCE) rules.push([this.namespaceOf(to), `from ${this.address(from)} ${action}`]);
    if (from !== CLIENT_SOURCE && (action === 'prohibit' || to === CLIENT_SOURCE)) rules.push([this.namespaceOf(from), `to ${this.address(to)} ${action}`]);
    return rules;
  }

  private addRules(rules: ReadonlyArray<[string, string]>): void {
    const byNamespace = new Map<string, string[]>();
    for (const [namespace, rule] of rules) {
      const key = `${namespace}\t${rule}`;
      if (this.faults.has(key)) continue;
      this.faults.add(key);
      byNamespace.set(namespace, [...(byNamespace.get(namespace) ?? []), `rule add pref ${FAULT_RULE_PREF} ${rule}`]);
    }
    for (const [namespace, commands] of byNamespace) ipBatch(namespace, commands);
  }

  /** Destroys the TCP connections between a and b on each node side (the kernel resets them). */
  private killConnections(a: string, b: string): void {
    for (const [self, peer] of [[a, b], [b, a]] as const) {
      if (self !== CLIENT_SOURCE) run('ip', ['netns', 'exec', this.namespaceOf(self), 'ss', '-K', 'dst', this.address(peer)]);
    }
  }

  /** `ss` in a node's namespace, or in the root namespace for `client` (read only). */
  private ss(name: string, args: readonly string[]): string {
    return name === CLIENT_SOURCE ? run('ss', args) : run('ip', ['netns', 'exec', this.namespaceOf(name), 'ss', ...args]);
  }

  private namespaceOf(name: string): string {
    const namespace = this.namespaces.get(name);
    if (namespace === undefined) throw new Error(name === CLIENT_SOURCE ? "the test's clients have no namespace" : `unknown node '${name}'`);
    return namespace;
  }
}

/**
 * Removes the namespaces and root veths of runs whose process is gone (a crashed test, a killed
 * `quill chaos`), killing any node process still inside them. Returns what it removed.
 */
export function removeNetnsLeftovers(): string[] {
  const removed: string[] = [];
  // Root links first: deleting the namespace that holds a link's peer takes the link with it, at a
  // moment the kernel chooses, so a link left for later may or may not still be there.
  for (const link of linkNames()) {
    const owner = ROOT_LINK_OWNER.exec(link)?.[1];
    if (owner !== undefined && !alive(Number(owner)) && tryRun('ip', ['link', 'del', link])) removed.push(link);
  }
  for (const namespace of namespaceNames()) {
    const owner = NAMESPACE_OWNER.exec(namespace)?.[1];
    if (owner !== undefined && !alive(Number(owner))) {
      deleteNamespace(namespace);
      removed.push(namespace);
    }
  }
  return removed;
}

/** Names of the namespaces in this machine's `ip netns list` that one of our runs created. */
export function quillNamespaces(): string[] {
  return namespaceNames().filter((n) => NAMESPACE_OWNER.test(n));
}

function namespaceNames(): string[] {
  return run('ip', ['netns', 'list'])
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter((name) => name.length > 0);
}

function linkNames(): string[] {
  return run('ip', ['-o', 'link', 'show'])
    .split('\n')
    .map((line) => /^\d+:\s+([^@:\s]+)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

function deleteNamespace(namespace: string): void {
  const pids = tryPids(namespace);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  tryRun('ip', ['netns', 'del', namespace]);
}

function tryPids(namespace: string): number[] {
  try {
    return run('ip', ['netns', 'pids', namespace])
      .split('\n')
      .map(Number)
      .filter((pid) => Number.isInteger(pid) && pid > 0);
  } catch {
    return [];
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A third octet no address or route of the root namespace uses (read only: `ip addr`, `ip route`). */
function freeSubnetOctet(): number {
  const used = `${run('ip', ['-4', '-o', 'addr', 'show'])}\n${run('ip', ['-4', 'route', 'show'])}`;
  const start = (process.pid + clustersInThisProcess) % 254;
  for (let i = 0; i < 254; i++) {
    const octet = ((start + i) % 254) + 1;
    if (!used.includes(`${SUBNET_PREFIX}.${octet}.`)) return octet;
  }
  throw new Error(`no free ${SUBNET_PREFIX}.x.0/24 subnet`);
}

interface Socket {
  localPort: number;
  peerPort: number;
}

/** The local and peer ports of each line of `ss -tnH` output. */
function sockets(output: string): Socket[] {
  return output
    .split('\n')
    .map((line) => line.trim().split(/\s+/).filter((token) => /:(\d+|\*)$/.test(token)))
    .filter((endpoints) => endpoints.length >= 2)
    .map(([local, peer]) => ({ localPort: port(local!), peerPort: port(peer!) }));
}

function port(endpoint: string): number {
  return Number(endpoint.slice(endpoint.lastIndexOf(':') + 1));
}
