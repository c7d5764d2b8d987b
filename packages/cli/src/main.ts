#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { QuillError } from '@quill/proto';
import { parse as parseYaml } from 'yaml';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { benchCommand } from './commands/bench.js';
import { clusterCommand } from './commands/cluster.js';
import { controllerCommand } from './commands/controller.js';
import { nodeCommands } from './commands/node.js';

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
  .fail((message, error) => fail(error?.message ?? message));
cli = controllerCommand(cli);
cli = nodeCommands(cli);
cli = clusterCommand(cli);
cli = benchCommand(cli);

try {
  await cli.parseAsync();
} catch (error) {
  if (error instanceof QuillError) fail(`${error.code}: ${error.message}`);
  fail(error instanceof Error ? error.message : String(error));
}
