// The image's default HEALTHCHECK, for any role: healthy when the quill node of this container
// (PID 1, started by the image's ENTRYPOINT) accepts TCP connections on its --listen port.
// deploy/docker-compose.yml replaces it with stronger checks per role. A container that runs
// another command (no --listen) has nothing to check and counts as healthy.
import { readFileSync } from 'node:fs';
import net from 'node:net';

const args = readFileSync('/proc/1/cmdline', 'utf8').split('\0');
let listen;
for (const [i, arg] of args.entries()) {
  if (arg === '--listen') listen = args[i + 1];
  else if (arg.startsWith('--listen=')) listen = arg.slice('--listen='.length);
}
if (listen === undefined) process.exit(0);

const at = listen.lastIndexOf(':');
const port = Number(listen.slice(at + 1));
let host = listen.slice(0, at).replace(/^\[(.*)\]$/, '$1');
if (host === '' || host === '0.0.0.0') host = '127.0.0.1';
else if (host === '::') host = '::1';

const socket = net.connect({ host, port, timeout: 3_000 });
socket.once('connect', () => {
  socket.destroy();
  process.exit(0);
});
const fail = (why) => {
  process.stderr.write(`quill node at ${listen}: ${why}\n`);
  process.exit(1);
};
socket.once('timeout', () => fail('no connection within 3 s'));
socket.once('error', (error) => fail(error.message));
