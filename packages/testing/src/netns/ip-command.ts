import { execFileSync } from 'node:child_process';

/** How long one `ip`/`ss` invocation may take: they are local netlink calls, normally a few ms. */
const COMMAND_TIMEOUT_MS = 10_000;

/** Runs a command synchronously (faults must be in place when the call returns); throws with its stderr. */
export function run(command: string, args: readonly string[], input?: string): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', timeout: COMMAND_TIMEOUT_MS, input: input ?? '', stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`${command} ${args.join(' ')} failed: ${stderr.trim() || (error as Error).message}`);
  }
}

/** `run`, but a failure is ignored: for cleanup, where a thing may already be gone. */
export function tryRun(command: string, args: readonly string[], input?: string): boolean {
  try {
    run(command, args, input);
    return true;
  } catch {
    return false;
  }
}

/** `ip -n <ns> <args>`. */
export function ipIn(namespace: string, args: readonly string[]): string {
  return run('ip', ['-n', namespace, ...args]);
}

/** Several `ip` commands in one namespace with one process (`ip -batch`); `-force` goes on past failures when `force`. */
export function ipBatch(namespace: string, commands: readonly string[], force = false): void {
  if (commands.length === 0) return;
  const args = ['-n', namespace, ...(force ? ['-force'] : []), '-batch', '-'];
  if (force) tryRun('ip', args, `${commands.join('\n')}\n`);
  else run('ip', args, `${commands.join('\n')}\n`);
}

/** Why network namespaces cannot be used here, or undefined when they can (root, `ss`, and an `ip netns add` that works). */
export function netnsUnavailableReason(): string | undefined {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'network namespaces need root (ip netns add)';
  // Root without CAP_SYS_ADMIN (a container) can list namespaces but not make one: try it.
  const probe = `quill-${process.pid}-0-probe`;
  try {
    run('ss', ['-V']);
    run('ip', ['netns', 'add', probe]);
  } catch (error) {
    return `ip netns / ss are not usable: ${(error as Error).message}`;
  }
  tryRun('ip', ['netns', 'del', probe]);
  return undefined;
}
