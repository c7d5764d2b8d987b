// The image's default HEALTHCHECK, for any role. A quill node of this container (PID 1, started by
// the image's ENTRYPOINT) with --metrics-listen is healthy when its GET /readyz answers 200 (see
// docs/OPERATIONS.md for what ready means per role); one without it, when its --listen port
// accepts TCP connections. A container that runs another command has nothing to check and counts
// as healthy. docker-compose.yml and the Kubernetes probes ask /readyz themselves.
import { readFileSync } from 'node:fs';
import net from 'node:net';

/** How long one check may take. */
const CHECK_TIMEOUT_MS = 3_000;

const args = readFileSync('/proc/1/cmdline', 'utf8').split('\0');
/** The value of `--flag value` or `--flag=value` in PID 1's command line. */
function flag(name) {
  let value;
  for (const [i, arg] of args.entries()) {
    if (arg === name) value = args[i + 1];
    else if (arg.startsWith(`${name}=`)) value = arg.slice(name.length + 1);
  }
  return value;
}

/** host:port as a local client reaches it: a wildcard address means loopback. */
function local(address) {
  const at = address.lastIndexOf(':');
  let host = address.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  if (host === '' || host === '0.0.0.0') host = '127.0.0.1';
  else if (host === '::') host = '::1';
  return { host, port: Number(address.slice(at + 1)) };
}

const fail = (what, why) => {
  process.stderr.write(`quill node at ${what}: ${why}\n`);
  process.exit(1);
};

const metrics = flag('--metrics-listen');
const listen = flag('--listen');
if (metrics !== undefined) {
  const { host, port } = local(metrics);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/readyz`;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) });
    if (!response.ok) fail(url, `${response.status} ${(await response.text()).trim()}`);
    process.exit(0);
  } catch (error) {
    fail(url, error.message);
  }
} else if (listen !== undefined) {
  const socket = net.connect({ ...local(listen), timeout: CHECK_TIMEOUT_MS });
  socket.once('connect', () => {
    socket.destroy();
    process.exit(0);
  });
  socket.once('timeout', () => fail(listen, `no connection within ${CHECK_TIMEOUT_MS} ms`));
  socket.once('error', (error) => fail(listen, error.message));
} else {
  process.exit(0);
}
