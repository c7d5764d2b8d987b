import fs from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, freePorts, portsBelowEphemeral } from './free-port.js';

function listenOn(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

describe('freePorts', () => {
  it('hands out distinct ports that can be listened on, below the ephemeral range where Linux says where it is', async () => {
    const ports = await freePorts(8);
    expect(new Set(ports).size).toBe(8);
    const [ephemeralLow] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    for (const port of ports) expect(port).toBeLessThan(ephemeralLow!);
    const servers = await Promise.all(ports.map(listenOn));
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  it('gives one port on its own that can be listened on', async () => {
    const server = await listenOn(await freePort());
    await new Promise((resolve) => server.close(resolve));
  });
});

describe('portsBelowEphemeral', () => {
  it('is the window just below the start of the ephemeral range', () => {
    expect(portsBelowEphemeral('32768\t60999\n')).toEqual({ low: 20768, high: 32767 });
    expect(portsBelowEphemeral('49152 65535')).toEqual({ low: 37152, high: 49151 });
  });

  it('is undefined when the window would reach the privileged ports, or the text is not a range', () => {
    expect(portsBelowEphemeral('1025 65535')).toBeUndefined();
    expect(portsBelowEphemeral('13024 65535')).toBeUndefined();
    expect(portsBelowEphemeral('')).toBeUndefined();
    expect(portsBelowEphemeral('low high')).toBeUndefined();
  });
});
