import net from 'node:net';
import { eventually } from '@quill/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { LinkProxy } from './link-proxy.js';
import { ProxyNetwork } from './proxy-network.js';

/** A real TCP server that answers every chunk with "echo:" + the chunk. */
async function echoServer(): Promise<{ address: string; received: Buffer[]; close(): Promise<void> }> {
  const received: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      socket.write(Buffer.concat([Buffer.from('echo:'), chunk]));
    });
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    received,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A client socket that collects what it reads and records how it ended. */
async function connect(address: string): Promise<{ socket: net.Socket; text(): string; closed: Promise<string> }> {
  const [host, port] = address.split(':');
  const socket = net.connect({ host: host!, port: Number(port) });
  let data = '';
  socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
  const closed = new Promise<string>((resolve) => {
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    socket.on('close', () => resolve('closed'));
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, text: () => data, closed };
}

/** Resolves true when nothing matching arrives for `quietMs` (the negative checks: blackholes). */
async function staysFalse(condition: () => boolean, quietMs = 300): Promise<boolean> {
  const deadline = Date.now() + quietMs;
  while (Date.now() < deadline) {
    if (condition()) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(): Promise<{ proxy: LinkProxy; server: Awaited<ReturnType<typeof echoServer>> }> {
  const server = await echoServer();
  const proxy = new LinkProxy({ target: server.address });
  await proxy.start();
  cleanups.push(() => server.close(), () => proxy.stop());
  return { proxy, server };
}

describe('LinkProxy', () => {
  it('passes bytes both ways', async () => {
    const { proxy } = await setup();
    const client = await connect(proxy.address);
    cleanups.push(() => void client.socket.destroy());
    client.socket.write('hello');
    await eventually(() => client.text() === 'echo:hello');
    expect(proxy.connections).toBe(1);
  });

  it('delays each direction by the link delay', async () => {
    const { proxy } = await setup();
    proxy.setDelay(150);
    const client = await connect(proxy.address);
    cleanups.push(() => void client.socket.destroy());
    const started = Date.now();
    client.socket.write('slow');
    await eventually(() => client.text() === 'echo:slow');
    // 150 ms there and 150 ms back (timers may fire a little early or late).
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
  });

  it('cut resets open connections and refuses new ones until healed', async () => {
    const { proxy } = await setup();
    const client = await connect(proxy.address);
    proxy.cut();
    expect(await client.closed).toMatch(/ECONNRESET|closed/);
    // Refused: reset during the connect, or right after it.
    const refused = await connect(proxy.address).then(
      (c) => c.closed,
      (error: NodeJS.ErrnoException) => error.code ?? 'error',
    );
    expect(refused).toMatch(/ECONNRESET|closed/);
    proxy.heal();
    const after = await connect(proxy.address);
    cleanups.push(() => void after.socket.destroy());
    after.socket.write('back');
    await eventually(() => after.text() === 'echo:back');
  });

  it('drop blackholes without closing; heal delivers the held bytes in order', async () => {
    const { proxy, server } = await setup();
    const client = await connect(proxy.address);
    cleanups.push(() => void client.socket.destroy());
    proxy.drop();
    client.socket.write('a');
    client.socket.write('b');
    expect(await staysFalse(() => server.received.length > 0)).toBe(true);
    expect(client.socket.destroyed).toBe(false);
    proxy.heal();
    await eventually(() => client.text().replaceAll('echo:', '') === 'ab');
  });

  it('one-way block: requests arrive, answers do not, until healed', async () => {
    const { proxy, server } = await setup();
    const client = await connect(proxy.address);
    cleanups.push(() => void client.socket.destroy());
    proxy.setMode('backward', 'drop');
    client.socket.write('ping');
    await eventually(() => Buffer.concat(server.received).toString() === 'ping');
    expect(await staysFalse(() => client.text().length > 0)).toBe(true);
    proxy.heal();
    await eventually(() => client.text() === 'echo:ping');
  });

  it('a server going away closes the client side too', async () => {
    const { proxy, server } = await setup();
    const client = await connect(proxy.address);
    await server.close();
    expect(await client.closed).toMatch(/ECONNRESET|closed/);
  });
});

describe('ProxyNetwork', () => {
  it('gives every directed link its own port and partitions only the links between groups', async () => {
    const a = await echoServer();
    const b = await echoServer();
    const c = await echoServer();
    const network = new ProxyNetwork();
    cleanups.push(() => a.close(), () => b.close(), () => c.close(), () => network.stop());
    network.addNode('a', a.address);
    network.addNode('b', b.address);
    network.addNode('c', c.address);
    const aToB = await network.address('a', 'b');
    const cToB = await network.address('c', 'b');
    await network.address('b', 'a');
    expect(aToB).not.toBe(cToB);
    network.partition(['a'], ['b', 'c']);
    const fromA = await connect(aToB);
    const fromC = await connect(cToB);
    cleanups.push(() => void fromA.socket.destroy(), () => void fromC.socket.destroy());
    fromA.socket.write('x');
    fromC.socket.write('y');
    await eventually(() => fromC.text() === 'echo:y');
    expect(await staysFalse(() => fromA.text().length > 0)).toBe(true);
    network.heal();
    await eventually(() => fromA.text() === 'echo:x');
  });

  it('block(from, to) is one-way at node level', async () => {
    const a = await echoServer();
    const b = await echoServer();
    const network = new ProxyNetwork();
    cleanups.push(() => a.close(), () => b.close(), () => network.stop());
    network.addNode('a', a.address);
    network.addNode('b', b.address);
    const aToB = await connect(await network.address('a', 'b'));
    const bToA = await connect(await network.address('b', 'a'));
    cleanups.push(() => void aToB.socket.destroy(), () => void bToA.socket.destroy());
    network.block('a', 'b');
    aToB.socket.write('req');
    bToA.socket.write('req');
    // b's requests reach a, a's answers do not reach b; a's requests do not reach b at all.
    await eventually(() => Buffer.concat(a.received).toString() === 'req');
    expect(await staysFalse(() => b.received.length > 0 || bToA.text().length > 0)).toBe(true);
    network.heal();
    await eventually(() => aToB.text() === 'echo:req' && bToA.text() === 'echo:req');
  });
});
