import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, loadCompose, type ComposeService } from '@quill/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { optionsInHelp } from './support/kubernetes-manifests.js';
import { runQuill } from './support/run-quill.js';

// deploy/docker-compose.secure.yml without running it (compose-local runs the plain file in
// test/compose-local.test.ts): compose-local reads it, every service's command uses only options
// its quill command accepts, every certificate it names is one the header's `quill certs create`
// line makes, each node shows its own certificate, and every node principal is a super user.

const FILE = path.join(REPO_ROOT, 'deploy', 'docker-compose.secure.yml');
const CERTS = '/etc/quill/certs';
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-compose-secure-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const services = loadCompose(FILE, dataDir, { QUILL_ADMIN_PASSWORD: 'test-password' });
const byName = (name: string): ComposeService => services.find((s) => s.name === name)!;
/** The value after `flag` in a command. */
const valueOf = (command: readonly string[], flag: string): string | undefined => {
  const i = command.indexOf(flag);
  return i < 0 ? undefined : command[i + 1];
};
/** The `certs create ...` of the header's one-liner that makes the certificates. */
const certsCreateLine = (): string => {
  const line = /^# +pnpm quill (certs create .*)$/m.exec(fs.readFileSync(FILE, 'utf8'))?.[1];
  if (line === undefined) throw new Error(`${FILE}: no 'pnpm quill certs create' line in its header`);
  return line;
};
/** The command's words before its first option: `broker start`, `users create`, ... */
const commandWords = (command: readonly string[]): string[] => command.slice(0, command.findIndex((word) => word.startsWith('--')));

describe('deploy/docker-compose.secure.yml', () => {
  it("uses only options its services' quill commands (and the header's certs create) accept", async () => {
    const certsCreate = certsCreateLine().split(/\s+/);
    const commands = [...new Set([...services.map((s) => s.command), certsCreate].map((command) => commandWords(command).slice(0, 2).join(' ')))].sort();
    expect(commands).toEqual(['broker start', 'certs create', 'controller start', 'topics create', 'users create']);
    const helps = new Map(
      await Promise.all(
        commands.map(async (command) => {
          const help = await runQuill([...command.split(' '), '--help']);
          expect(help.code, help.stderr).toBe(0);
          return [command, optionsInHelp(help.stdout)] as const;
        }),
      ),
    );
    for (const [name, command] of [...services.map((s) => [s.name, s.command] as const), ['the header', certsCreate] as const]) {
      const accepted = helps.get(commandWords(command).slice(0, 2).join(' '))!;
      for (const option of command.filter((word) => word.startsWith('--'))) expect(accepted.has(option.slice(2)), `${name}: ${option}`).toBe(true);
    }
  });

  it("names only certificates the header's quill certs create makes; each node shows its own, and is a super user", () => {
    const words = certsCreateLine().split(/\s+/);
    expect(valueOf(words, '--dir')).toBe('deploy/certs');
    const names = [...valueOf(words, '--nodes')!.split(','), ...valueOf(words, '--clients')!.split(',')];
    const made = new Set(['ca.pem', ...names.flatMap((name) => [`${name}.pem`, `${name}-key.pem`])].map((file) => `${CERTS}/${file}`));
    for (const service of services) {
      for (const file of service.command.filter((word) => word.startsWith(`${CERTS}/`))) expect(made.has(file), `${service.name}: ${file}`).toBe(true);
    }
    const nodes = services.filter((s) => s.longRunning);
    expect(nodes.map((s) => s.name)).toEqual(['controller-1', 'controller-2', 'controller-3', 'broker-1', 'broker-2', 'broker-3']);
    for (const node of nodes) {
      // Its certificate's CN and host name are the service name: its principal, and the name other nodes dial.
      expect(valueOf(node.command, '--ssl-certificate-location'), node.name).toBe(`${CERTS}/${node.name}.pem`);
      expect(valueOf(node.command, '--ssl-client-auth'), node.name).toBe(node.name.startsWith('controller') ? 'required' : 'requested');
      expect(node.command, node.name).toContain('--authorizer');
      expect(valueOf(node.command, '--super-users')!.split(';'), node.name).toEqual([...nodes.map((n) => `User:${n.name}`), 'User:admin']);
    }
    expect(valueOf(byName('broker-1').command, '--kafka-security-protocol')).toBe('SASL_SSL');
    expect(valueOf(byName('create-demo-topic').command, '--sasl-password')).toBe('test-password');
  });
});
