#!/usr/bin/env node
import { describeError } from '@quill/proto';
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { readConfigFile } from './config-file.js';
import { quietKnownWarnings } from './quiet-warnings.js';

quietKnownWarnings();

type RegisterCommand = (cli: Argv) => Argv;

/**
 * Each top-level command's module, imported only when needed: a client command such as
 * `quill topics list` starts without loading the node, benchmark, chaos and console code (about
 * half of the CLI's start-up time).
 */
const COMMANDS: Record<string, () => Promise<RegisterCommand>> = {
  controller: async () => (await import('./commands/controller.js')).controllerCommand,
  broker: async () => (await import('./commands/node.js')).nodeCommands,
  node: async () => (await import('./commands/node.js')).nodeCommands,
  cluster: async () => (await import('./commands/cluster.js')).clusterCommand,
  brokers: async () => (await import('./commands/brokers.js')).brokersCommand,
  bench: async () => (await import('./commands/bench.js')).benchCommand,
  dev: async () => (await import('./commands/dev.js')).devCommand,
  topics: async () => (await import('./commands/topics.js')).topicsCommand,
  configs: async () => (await import('./commands/configs.js')).configsCommand,
  users: async () => (await import('./commands/users.js')).usersCommand,
  acls: async () => (await import('./commands/acls.js')).aclsCommand,
  certs: async () => (await import('./commands/certs.js')).certsCommand,
  produce: async () => (await import('./commands/produce.js')).produceCommand,
  consume: async () => (await import('./commands/consume.js')).consumeCommand,
  groups: async () => (await import('./commands/groups.js')).groupsCommand,
  leaders: async () => (await import('./commands/leaders.js')).leadersCommand,
  partitions: async () => (await import('./commands/partitions/partitions.js')).partitionsCommand,
  chaos: async () => (await import('./commands/chaos.js')).chaosCommand,
  console: async () => (await import('./commands/console.js')).consoleCommand,
};

/**
 * The commands to register: the one named by the first word when it is a command, else all of
 * them (top-level help, a typo, or an option's value before the command all get the full CLI).
 */
async function commandsFor(args: readonly string[]): Promise<RegisterCommand[]> {
  const first = args.find((arg) => !arg.startsWith('-'));
  const named = first === undefined ? undefined : COMMANDS[first];
  if (named !== undefined) return [await named()];
  return [...new Set(await Promise.all(Object.values(COMMANDS).map((load) => load())))];
}

// Every error a user can cause ends as one clear line on stderr and a non-zero exit.
function fail(message: string): never {
  process.stderr.write(`quill: ${message}\n`);
  process.exit(1);
}

let cli = yargs(hideBin(process.argv))
  .scriptName('quill')
  .usage('$0 <command> [options]')
  // Any option can come from a file instead: YAML or JSON (keys as on the command line), or a Kafka client .properties.
  .config('config', 'read options from a YAML/JSON file, or a Kafka client .properties file (security settings, see client.properties)', readConfigFile)
  .demandCommand(1, 'Name a command: quill --help lists them.')
  .strict()
  .help()
  .fail((message, error) => fail(error === undefined || error === null ? message : describeError(error)));
for (const register of await commandsFor(hideBin(process.argv))) cli = register(cli);

try {
  await cli.parseAsync();
} catch (error) {
  fail(describeError(error));
}
