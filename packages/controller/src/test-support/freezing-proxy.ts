import net from 'node:net';

/**
 * A TCP proxy to one address that can freeze: from then on it reads nothing from either side and
 * closes nothing, as a SIGSTOPped process behind it would look to its peers (connections stay
 * open, the kernel still accepts new ones, no byte moves). Not exported from the package index.
 */
export class FreezingProxy {
  private readonly sockets = new Set<net.Socket>();
  private isFrozen = false;

  private constructor(
    private readonly server: net.Server,
    readonly address: string,
  ) {}

  static async start(target: { host: string; port: number }): Promise<FreezingProxy> {
    const server = net.createServer();
    const proxy = await new Promise<FreezingProxy>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(new FreezingProxy(server, `127.0.0.1:${(server.address() as net.AddressInfo).port}`)));
    });
    server.on('connection', (downstream) => proxy.accept(downstream, target));
    return proxy;
  }

  /** Stops every byte in both directions, on open connections and on any opened later. */
  freeze(): void {
    this.isFrozen = true;
    for (const socket of this.sockets) socket.pause();
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(downstream: net.Socket, target: { host: string; port: number }): void {
    const upstream = net.connect(target.port, target.host);
    const link = (from: net.Socket, to: net.Socket): void => {
      this.sockets.add(from);
      // Plain data handlers rather than pipe(): pipe() resumes a source on drain, which would thaw it.
      from.on('data', (chunk) => to.write(chunk));
      from.on('end', () => to.end());
      from.on('close', () => this.sockets.delete(from));
      // Resets when either side goes away are expected; the partner closes on 'end' or at close().
      from.on('error', () => to.destroy());
      if (this.isFrozen) from.pause();
    };
    link(downstream, upstream);
    link(upstream, downstream);
  }
}
