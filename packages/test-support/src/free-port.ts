import fs from 'node:fs';
import net from 'node:net';

/** Where Linux says which ports it picks source ports of outgoing connections from. */
const EPHEMERAL_RANGE_FILE = '/proc/sys/net/ipv4/ip_local_port_range';
/** Candidates stay above the ports only root may listen on. */
const HIGHEST_PRIVILEGED_PORT = 1024;
/** Ports of this many below the start of the kernel's ephemeral range are candidates. */
const NON_EPHEMERAL_WINDOW = 12_000;
/** Random candidates tried per port asked for before falling back to ephemeral ports. */
const ATTEMPTS_PER_PORT = 50;

/** Inclusive bounds of a range of ports. */
export interface PortRange {
  low: number;
  high: number;
}

/** A port the OS says is free on loopback now (another process may take it before we bind it). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const [port] = await freePorts(1, host);
  return port!;
}

/**
 * `count` distinct free ports for nodes to listen on. They come from just below the kernel's
 * ephemeral range (ip_local_port_range): a port from inside it, released and bound again moments
 * later (or after a node restarts), can meanwhile become the source port of one of the many
 * outgoing connections a test cluster makes, and the node then fails with EADDRINUSE. All
 * candidates are held open at once before any is released, so no port is handed out twice.
 */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const range = nonEphemeralRange();
  const held: net.Server[] = [];
  const ports: number[] = [];
  for (let attempt = 0; range !== undefined && ports.length < count && attempt < count * ATTEMPTS_PER_PORT; attempt++) {
    const port = range.low + Math.floor(Math.random() * (range.high - range.low + 1));
    if (ports.includes(port)) continue;
    const server = await listen(port, host).catch(() => undefined);
    if (server === undefined) continue;
    held.push(server);
    ports.push(port);
  }
  while (ports.length < count) {
    const server = await listen(0, host);
    held.push(server);
    ports.push((server.address() as net.AddressInfo).port);
  }
  await Promise.all(held.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

function listen(port: number, host: string): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

/** The ports just below the ephemeral range, or undefined where the range is not readable (not Linux). */
function nonEphemeralRange(): PortRange | undefined {
  let text: string;
  try {
    text = fs.readFileSync(EPHEMERAL_RANGE_FILE, 'utf8');
  } catch {
    return undefined;
  }
  return portsBelowEphemeral(text);
}

/**
 * The window just below the ephemeral range that `ip_local_port_range` (its low and high ports)
 * describes, or undefined when the text is not such a range or the window would reach the
 * privileged ports.
 */
export function portsBelowEphemeral(ipLocalPortRange: string): PortRange | undefined {
  const [low] = ipLocalPortRange.trim().split(/\s+/).map(Number);
  if (low === undefined || !Number.isInteger(low) || low <= HIGHEST_PRIVILEGED_PORT + NON_EPHEMERAL_WINDOW) return undefined;
  return { low: low - NON_EPHEMERAL_WINDOW, high: low - 1 };
}
