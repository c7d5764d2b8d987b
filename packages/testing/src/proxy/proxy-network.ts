import { LinkProxy } from './link-proxy.js';

/** How a partition separates nodes: `drop` blackholes (calls time out), `cut` resets (calls fail fast). */
export type PartitionMode = 'drop' | 'cut';

/**
 * A network of named nodes where every directed link (the node that connects → the node it
 * connects to) is its own {@link LinkProxy} on its own port. grpc-js cannot choose a source
 * address, so a proxy per destination could not tell callers apart; a port per link can. Each
 * node is configured to dial its peers at the ports of its own links (`address(from, to)`).
 *
 * Node-level operations act on both links of a pair: traffic from a to b travels as requests on
 * link a→b and as responses on link b→a.
 */
export class ProxyNetwork {
  private readonly links = new Map<string, LinkProxy>();
  private readonly targets = new Map<string, string>();

  /** Declares where node `name` really listens (its server port). */
  addNode(name: string, address: string): void {
    this.targets.set(name, address);
  }

  get nodes(): string[] {
    return [...this.targets.keys()];
  }

  /** The address `from` must dial to reach `to` (the link's proxy, started on first use). */
  async address(from: string, to: string): Promise<string> {
    return (await this.link(from, to)).address;
  }

  /** The proxy of the directed link from → to, started on first use. */
  async link(from: string, to: string): Promise<LinkProxy> {
    const key = linkKey(from, to);
    const existing = this.links.get(key);
    if (existing !== undefined) return existing;
    const target = this.targets.get(to);
    if (target === undefined) throw new Error(`unknown node '${to}'`);
    const proxy = new LinkProxy({ target });
    this.links.set(key, proxy);
    await proxy.start();
    return proxy;
  }

  /** Resets every connection between a and b (both ways) and refuses new ones until healed. */
  cut(a: string, b: string): void {
    for (const proxy of this.between(a, b)) proxy.cut();
  }

  /** Blackholes everything between a and b (both ways). */
  drop(a: string, b: string): void {
    for (const proxy of this.between(a, b)) proxy.drop();
  }

  /** Delays everything between a and b (both ways) by `delayMs` per direction. */
  delay(a: string, b: string, delayMs: number): void {
    for (const proxy of this.between(a, b)) proxy.setDelay(delayMs);
  }

  /** One-way: bytes from `from` to `to` are blackholed, bytes from `to` to `from` still pass. */
  block(from: string, to: string): void {
    this.links.get(linkKey(from, to))?.setMode('forward', 'drop');
    this.links.get(linkKey(to, from))?.setMode('backward', 'drop');
  }

  /** No traffic between any node of `groupA` and any node of `groupB`. */
  partition(groupA: readonly string[], groupB: readonly string[], mode: PartitionMode = 'drop'): void {
    for (const a of groupA) for (const b of groupB) (mode === 'cut' ? this.cut(a, b) : this.drop(a, b));
  }

  /**
   * Separates `node` from every other node of the network, and from the sources named in
   * `alsoFrom` (clients, which are sources only: they dial nodes and are never dialled).
   */
  isolate(node: string, mode: PartitionMode = 'drop', alsoFrom: readonly string[] = []): void {
    this.partition([node], [...this.nodes.filter((n) => n !== node), ...alsoFrom], mode);
  }

  /** Connections open now on the link from → to (0 for a link never used). */
  connections(from: string, to: string): number {
    return this.links.get(linkKey(from, to))?.connections ?? 0;
  }

  /** Heals every link: no cuts, blackholes or delays; held bytes flow on. */
  heal(): void {
    for (const proxy of this.links.values()) proxy.heal();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.links.values()].map((proxy) => proxy.stop()));
    this.links.clear();
  }

  private between(a: string, b: string): LinkProxy[] {
    return [this.links.get(linkKey(a, b)), this.links.get(linkKey(b, a))].filter((p): p is LinkProxy => p !== undefined);
  }
}

function linkKey(from: string, to: string): string {
  return `${from}->${to}`;
}
