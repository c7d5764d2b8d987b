import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ErrorCode, QuillError } from '@quill/client';

/**
 * How a running `quill dev` is reached from another terminal: it publishes a state file in its
 * data directory (its pid, a control port on loopback, each node's pid and exact command line)
 * and answers one request on that port, "start node N again under your supervision". Dev keeps
 * the restarted node as its own child, so Ctrl-C stops it with the others.
 */

/** The state file's name, in dev's data directory. */
export const DEV_STATE_FILE = 'dev.json';
const HOST = '127.0.0.1';
/** How long `restart-node` waits for dev's answer (a restart only spawns a process). */
const CONTROL_TIMEOUT_MS = 10_000;
/** A request is one short JSON line; anything longer is not one. */
const MAX_REQUEST_BYTES = 1024;

export interface DevNodeState {
  id: number;
  name: string;
  /** The running process, or null while the node is down. */
  pid: number | null;
  /** The exact command line (executable first) and working directory the node runs with. */
  command: string[];
  cwd: string;
  logFile: string;
}

export interface DevState {
  pid: number;
  bootstrap: string;
  controlPort: number;
  nodes: DevNodeState[];
}

/** What dev answers to a restart request: the line to show the user. */
export interface ControlAnswer {
  ok: boolean;
  /** An ErrorCode name when not ok. */
  code?: string;
  message: string;
}

export function devStatePath(dataDir: string): string {
  return path.join(dataDir, DEV_STATE_FILE);
}

/**
 * Replaces the state file whole (temp file, then rename), so a reader never sees half of it.
 * No fsync: the file describes running processes and means nothing after a power loss.
 */
export function writeDevState(file: string, state: DevState): void {
  const temp = `${file}.tmp`;
  writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(temp, file);
}

export function removeDevState(file: string): void {
  rmSync(file, { force: true });
}

/** Serves restart requests on an ephemeral loopback port; resolves once listening. */
export async function serveDevControl(restart: (id: number) => ControlAnswer): Promise<{ port: number; close: () => Promise<void> }> {
  const server = net.createServer((socket) => {
    let received = '';
    const answer = (reply: ControlAnswer): void => {
      socket.end(`${JSON.stringify(reply)}\n`);
    };
    socket.setEncoding('utf8');
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: string) => {
      received += chunk;
      const end = received.indexOf('\n');
      if (end < 0 && received.length <= MAX_REQUEST_BYTES) return;
      socket.removeAllListeners('data');
      const id = end < 0 ? undefined : requestedNode(received.slice(0, end));
      answer(id === undefined ? { ok: false, code: ErrorCode.INVALID_REQUEST, message: 'not a restart request' } : restart(id));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, resolve);
  });
  const port = (server.address() as net.AddressInfo).port;
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function requestedNode(line: string): number | undefined {
  try {
    const request = JSON.parse(line) as { restartNode?: unknown };
    return Number.isSafeInteger(request.restartNode) ? (request.restartNode as number) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `quill dev restart-node`: asks the dev instance running on `dataDir` to start node `id` again.
 * Resolves with dev's message; rejects with a QuillError when no dev runs there or dev refuses.
 */
export async function requestRestart(dataDir: string, id: number): Promise<string> {
  const state = readRunningState(dataDir);
  const reply = await new Promise<string>((resolve, reject) => {
    const socket = net.connect({ host: HOST, port: state.controlPort });
    let received = '';
    socket.setEncoding('utf8');
    socket.setTimeout(CONTROL_TIMEOUT_MS, () => socket.destroy(new QuillError(ErrorCode.REQUEST_TIMED_OUT, `quill dev (pid ${state.pid}) did not answer within ${CONTROL_TIMEOUT_MS} ms.`)));
    socket.on('connect', () => socket.write(`${JSON.stringify({ restartNode: id })}\n`));
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('end', () => resolve(received));
    socket.on('error', (error) =>
      reject(error instanceof QuillError ? error : new QuillError(ErrorCode.NETWORK_EXCEPTION, `cannot reach quill dev (pid ${state.pid}) on ${HOST}:${state.controlPort}: ${error.message}`)),
    );
  });
  let answer: ControlAnswer;
  try {
    answer = JSON.parse(reply) as ControlAnswer;
  } catch {
    throw new QuillError(ErrorCode.UNKNOWN_SERVER_ERROR, `quill dev (pid ${state.pid}) gave no answer.`);
  }
  if (!answer.ok) throw new QuillError(answer.code ?? ErrorCode.UNKNOWN_SERVER_ERROR, answer.message);
  return answer.message;
}

/** The pid of the dev instance running on `dataDir`, if any. */
export function runningDevPid(dataDir: string): number | undefined {
  const file = devStatePath(dataDir);
  if (!existsSync(file)) return undefined;
  const { pid } = JSON.parse(readFileSync(file, 'utf8')) as DevState;
  // A dev killed with SIGKILL leaves its file behind.
  return processExists(pid) ? pid : undefined;
}

/** The state of the dev instance on `dataDir`, if one is running there. */
function readRunningState(dataDir: string): DevState {
  if (runningDevPid(dataDir) === undefined) {
    throw new QuillError(
      ErrorCode.INVALID_REQUEST,
      `No quill dev is running on ${dataDir}. \`pnpm quill dev --data-dir ${dataDir}\` starts every node again on its data.`,
    );
  }
  return JSON.parse(readFileSync(devStatePath(dataDir), 'utf8')) as DevState;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
