#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { describeError } from '@quill/proto';
import { parse as parseYaml } from 'yaml';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { benchCommand } from './commands/bench.js';
import { brokersCommand } from './commands/brokers.js';
import { chaosCommand } from './commands/chaos.js';
import { clusterCommand } from './commands/cluster.js';
import { configsCommand } from './commands/configs.js';
import { consoleCommand } from './commands/console.js';
import { consumeCommand } from './commands/consume.js';
import { controllerCommand } from './commands/controller.js';
import { devCommand } from './commands/dev.js';
import { groupsCommand } from './commands/groups.js';
import { leadersCommand } from './commands/leaders.js';
import { nodeCommands } from './commands/node.js';
import { partitionsCommand } from './commands/partitions/partitions.js';
import { produceCommand } from './commands/produce.js';
import { topicsCommand } from './commands/topics.js';
import { usersCommand } from './commands/users.js';
import { aclsCommand } from './commands/acls.js';

// Every error a user can cause ends as one clear line on stderr and a non-zero exit.
function fail(message: string): never {
  process.stderr.write(`quill: ${message}\n`);
  process.exit(1);
}

let cli = yargs(hideBin(process.argv))
  .scriptName('quill')
  .usage('$0 <command> [options]')
  // Any option can come from a YAML or JSON file instead (keys as on the command line).
  .config('config', 'read options from a YAML/JSON file', (file: string) => parseYaml(readFileSync(file, 'utf8')) as object)
  .demandCommand(1, 'Name a command: quill --help lists them.')
  .strict()
  .help()
  .fail((message, error) => fail(error === undefined || error === null ? message : describeError(error)));
cli = controllerCommand(cli);
cli = nodeCommands(cli);
cli = clusterCommand(cli);
cli = brokersCommand(cli);
cli = benchCommand(cli);
cli = devCommand(cli);
cli = topicsCommand(cli);
cli = configsCommand(cli);
cli = usersCommand(cli);
cli = aclsCommand(cli);
cli = produceCommand(cli);
cli = consumeCommand(cli);
cli = groupsCommand(cli);
cli = leadersCommand(cli);
cli = partitionsCommand(cli);
cli = chaosCommand(cli);
cli = consoleCommand(cli);

try {
  await cli.parseAsync();
} catch (error) {
  fail(describeError(error));
}
