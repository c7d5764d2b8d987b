// Mistakes on the command line end as one line naming the problem, before any connection is made.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { describe, expect, it } from 'vitest';
import { configsCommand } from './commands/configs.js';
import { consumeCommand } from './commands/consume.js';
import { devCommand } from './commands/dev.js';
import { groupsCommand } from './commands/groups.js';
import { produceCommand } from './commands/produce.js';
import { topicsCommand } from './commands/topics.js';

/** Parses `argv` with these commands, set up as main.ts does, and returns the error message. */
async function errorOf(argv: string[]): Promise<string> {
  let cli = yargs(argv)
    .scriptName('quill')
    .strict()
    .exitProcess(false)
    .fail((message, error) => {
      throw error ?? new Error(message);
    });
  for (const command of [devCommand, topicsCommand, configsCommand, produceCommand, consumeCommand, groupsCommand]) cli = command(cli);
  try {
    await cli.parseAsync();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`quill ${argv.join(' ')} did not fail`);
}

const cases: Array<[string[], string | RegExp]> = [
  [['topics'], 'Name a topics action: create, list, describe, alter, delete or delete-records.'],
  [['topics', 'create'], /^Not enough non-option arguments/],
  [['topics', 'delete-records', '--topic', 't', '--partition', '0'], 'Give --topic, --partition and --offset, or --offset-json-file.'],
  [['topics', 'delete-records', '--topic', 't', '--partition', '0', '--offset', '-2'], "--offset must be an integer of at least -1, got '-2'."],
  [['groups', 'reset-offsets', '--group', 'g', '--to-latest'], 'Give --topic (one or more) or --all-topics.'],
  [['groups', 'reset-offsets', '--group', 'g', '--all-topics', '--to-latest', '--shift-by', '1'], /^Give exactly one of --to-earliest, --to-latest/],
  [['topics', 'create', 't', '--partitions', '0'], "--partitions must be a positive integer, got '0'."],
  [['topics', 'create', 't', '--partitions', 'many'], "--partitions must be a positive integer, got 'not a number'."],
  [['topics', 'alter', 't', '--partitions', 'many'], "--partitions must be a positive integer, got 'not a number'."],
  [['topics', 'alter', 't'], 'Missing required argument: partitions'],
  [['configs', 'alter', '--name', 't', '--add-config', 'retention.ms'], "--add-config must be name=value[,name=value], got 'retention.ms'."],
  [['configs', 'alter', '--name', 't'], 'Give --add-config name=value or --delete-config name.'],
  [['topics', 'create', 't', '--replication-factor', '1.5'], "--replication-factor must be a positive integer, got '1.5'."],
  [['topics', 'create', 't', '--partitions', '1', '--partitions', '2'], '--partitions is given more than once.'],
  [['topics', 'create', 't', '--topic-config', 'retention.ms'], "--topic-config must be name=value, got 'retention.ms'."],
  [['topics', 'list', '--bootstrap', 'localhost'], "--bootstrap must be host:port, got 'localhost'."],
  [['topics', 'list', '--bootstrap', 'a:1', '--bootstrap', 'b:2'], '--bootstrap is given more than once.'],
  [['topics', 'list', '--timeout-ms', '0'], "--timeout-ms must be a positive integer, got '0'."],
  [['topics', 'list', '--log-level', 'loud'], "The log level must be one of silent, fatal, error, warn, info, debug, trace, got 'loud'."],
  [['topics', 'describe', 't', '--verbose'], 'Unknown argument: verbose'],
  [['produce', 't', '--key', 'k', '--key-separator', ':'], 'Arguments key and key-separator are mutually exclusive'],
  [['produce', 't', '--key-separator', ''], '--key-separator must not be empty.'],
  [['produce', 't', '--acks', '2'], "--acks must be -1 (or all), 0 or 1, got '2'."],
  [['produce', 't', '--partition', '-1'], "--partition must be a non-negative integer, got '-1'."],
  [['consume', 't', '--from-beginning', '--offset', '3'], 'Arguments from-beginning and offset are mutually exclusive'],
  [['consume', 't', '--offset', '-2'], "--offset must be a non-negative integer, got '-2'."],
  [['consume', 't', '--max-messages', '0'], "--max-messages must be a positive integer, got '0'."],
  [['dev', '--base-port', '65530'], '--base-port must leave room for 51 ports, at most 65485.'],
  [['dev', '--base-port', '0'], "--base-port must be a positive integer, got '0'."],
];

describe('argument errors', () => {
  it.each(cases)('quill %j', async (argv, expected) => {
    const message = await errorOf(argv);
    expect(message).not.toContain('\n');
    if (typeof expected === 'string') expect(message).toBe(expected);
    else expect(message).toMatch(expected);
  });
});

describe('the quill process', () => {
  const main = fileURLToPath(new URL('./main.ts', import.meta.url));
  const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

  function quill(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', main, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
  }

  it('prints one line and exits 1 on a bad argument, and when the cluster does not answer in time', async () => {
    const [badAcks, noCluster] = await Promise.all([
      quill(['produce', 't', '--acks', '2']),
      // Nothing listens on port 1: the client keeps retrying until the deadline cuts it short.
      quill(['topics', 'describe', 't', '--bootstrap', '127.0.0.1:1', '--timeout-ms', '300']),
    ]);
    expect(badAcks).toEqual({ code: 1, stdout: '', stderr: "quill: --acks must be -1 (or all), 0 or 1, got '2'.\n" });
    expect(noCluster).toEqual({
      code: 1,
      stdout: '',
      stderr: 'quill: REQUEST_TIMED_OUT: describing topic t: no answer from the cluster within 300 ms (--timeout-ms).\n',
    });
  });
});
