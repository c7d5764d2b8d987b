import net from 'node:net';

/**
 * What a link does to traffic in one direction:
 * - `pass`: forward (after the link's delay);
 * - `drop`: blackhole — stop reading, so the sender's bytes wait in kernel buffers and its calls
 *   time out, exactly as when packets are dropped and TCP keeps retransmitting. On heal the
 *   held bytes flow on in order, as retransmitted segments would: streams stay intact.
 */
export type DirectionMode = 'pass' | 'drop';

export interface LinkProxyOptions {
  /** `host:port` the proxy forwards to. */
  target: string;
}

/** The proxy listens on an ephemeral port of this loopback address. */
const LISTEN_HOST = '127.0.0.1';
/**
 * Bytes a delayed direction may hold before it stops reading its source (backpressure): enough
 * for a few large fetch responses in flight.
 */
const DELAY_BUFFER_BYTES_MAX = 64 * 1024 * 1024;

/**
 * One directed network link (a client side connecting to a server side) as a TCP proxy with
 * faults: cut (reset every connection and refuse new ones), blackhole per direction, and delay.
 * `forward` is client→server bytes, `backward` server→client.
 */
export class LinkProxy {
  private server: net.Server | undefined;
  private readonly pipes = new Set<Pipe>();
  private cutState = false;
  private delay = 0;
  private readonly modes: Record<Direction, DirectionMode> = { forward: 'pass', backward: 'pass' };
  private boundPort = 0;

  constructor(private readonly options: LinkProxyOptions) {}

  /** Starts listening; resolves with the proxy's `host:port`. */
  async start(): Promise<string> {
    const server = net.createServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, LISTEN_HOST, () => resolve());
    });
    this.server = server;
    this.boundPort = (server.address() as net.AddressInfo).port;
    return this.address;
  }

  get address(): string {
    return `${LISTEN_HOST}:${this.boundPort}`;
  }

  get target(): string {
    return this.options.target;
  }

  /** Connections open through the proxy now. */
  get connections(): number {
    return this.pipes.size;
  }

  /** Resets every open connection and refuses new ones (they are reset at once) until healed. */
  cut(): void {
    this.cutState = true;
    for (const pipe of [...this.pipes]) pipe.reset();
  }

  /** Sets one direction's mode (see {@link DirectionMode}). */
  setMode(direction: Direction, mode: DirectionMode): void {
    this.modes[direction] = mode;
    for (const pipe of this.pipes) pipe.apply();
  }

  /** Blackholes both directions. */
  drop(): void {
    this.setMode('forward', 'drop');
    this.setMode('backward', 'drop');
  }

  /** Holds every chunk this long (both directions) before passing it on. */
  setDelay(delayMs: number): void {
    if (!Number.isFinite(delayMs) || delayMs < 0) throw new RangeError(`delay must be a non-negative number of ms, got ${delayMs}`);
    this.delay = delayMs;
  }

  /** Back to a clean link: no cut, no blackhole, no delay. Held bytes flow on. */
  heal(): void {
    this.cutState = false;
    this.delay = 0;
    this.modes.forward = 'pass';
    this.modes.backward = 'pass';
    for (const pipe of this.pipes) pipe.apply();
  }

  get state(): { cut: boolean; delayMs: number; forward: DirectionMode; backward: DirectionMode } {
    return { cut: this.cutState, delayMs: this.delay, forward: this.modes.forward, backward: this.modes.backward };
  }

  async stop(): Promise<void> {
    for (const pipe of [...this.pipes]) pipe.reset();
    const server = this.server;
    this.server = undefined;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    if (this.cutState) {
      client.resetAndDestroy();
      return;
    }
    const [host, port] = splitAddress(this.options.target);
    const upstream = net.connect({ host, port, allowHalfOpen: true });
    const pipe = new Pipe(client, upstream, {
      mode: (direction) => this.modes[direction],
      delayMs: () => this.delay,
      bufferBytesMax: DELAY_BUFFER_BYTES_MAX,
      onClose: () => this.pipes.delete(pipe),
    });
    this.pipes.add(pipe);
  }
}

export type Direction = 'forward' | 'backward';

interface PipeContext {
  mode(direction: Direction): DirectionMode;
  delayMs(): number;
  bufferBytesMax: number;
  onClose(): void;
}

/** One proxied connection: two sockets and a delaying, pausable pump per direction. */
class Pipe {
  private readonly pumps: Record<Direction, Pump>;
  private closed = false;

  constructor(
    private readonly client: net.Socket,
    private readonly upstream: net.Socket,
    private readonly context: PipeContext,
  ) {
    this.pumps = {
      forward: new Pump(client, upstream, () => context.mode('forward'), context),
      backward: new Pump(upstream, client, () => context.mode('backward'), context),
    };
    for (const socket of [client, upstream]) {
      socket.setNoDelay(true);
      // A reset or error on one side resets the other, as a broken path would.
      socket.on('error', () => this.reset());
      socket.on('close', () => this.reset());
    }
    this.apply();
  }

  apply(): void {
    this.pumps.forward.apply();
    this.pumps.backward.apply();
  }

  reset(): void {
    if (this.closed) return;
    this.closed = true;
    this.pumps.forward.stop();
    this.pumps.backward.stop();
    if (!this.client.destroyed) this.client.resetAndDestroy();
    if (!this.upstream.destroyed) {
      // resetAndDestroy needs a connected socket; one still connecting is just destroyed.
      if (this.upstream.connecting) this.upstream.destroy();
      else this.upstream.resetAndDestroy();
    }
    this.context.onClose();
  }
}

/** Moves bytes from one socket to another, honouring the direction's mode and the link's delay. */
class Pump {
  private readonly queue: Array<{ dueAt: number; chunk: Buffer }> = [];
  private queuedBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private ended = false;

  constructor(
    private readonly from: net.Socket,
    private readonly to: net.Socket,
    private readonly mode: () => DirectionMode,
    private readonly context: PipeContext,
  ) {
    from.on('data', (chunk: Buffer) => this.receive(chunk));
    from.on('end', () => this.endWhenDrained());
    // The destination's own backpressure: read on only once it has taken what we wrote.
    to.on('drain', () => this.apply());
  }

  apply(): void {
    if (this.stopped) return;
    if (this.mode() === 'drop') {
      this.from.pause();
      return;
    }
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
  }

  private receive(chunk: Buffer): void {
    if (this.stopped) return;
    this.queue.push({ dueAt: Date.now() + this.context.delayMs(), chunk });
    this.queuedBytes += chunk.length;
    if (this.queuedBytes >= this.context.bufferBytesMax || this.mode() === 'drop') this.from.pause();
    this.schedule();
  }

  private endWhenDrained(): void {
    this.ended = true;
    this.schedule();
  }

  /** Writes every due chunk in order; arms one timer for the next. */
  private schedule(): void {
    if (this.stopped || this.mode() === 'drop') return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const now = Date.now();
    while (this.queue.length > 0 && this.queue[0]!.dueAt <= now) {
      const { chunk } = this.queue.shift()!;
      this.queuedBytes -= chunk.length;
      if (!this.to.destroyed) this.to.write(chunk);
    }
    if (this.queue.length > 0) {
      this.timer = setTimeout(() => this.schedule(), this.queue[0]!.dueAt - now);
    } else if (this.ended) {
      if (!this.to.destroyed) this.to.end();
      return;
    }
    if (this.queuedBytes < this.context.bufferBytesMax && !this.to.writableNeedDrain) this.from.resume();
    else this.from.pause();
  }
}

function splitAddress(address: string): [string, number] {
  const colon = address.lastIndexOf(':');
  const port = Number(address.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port <= 0 || port > 65_535) throw new RangeError(`expected host:port, got '${address}'`);
  return [address.slice(0, colon), port];
}
