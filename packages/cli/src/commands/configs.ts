import { ConfigResourceTypes, QuillError, type AlterConfigOperation, type ConfigEntryDescription } from '@quill/client';
import type { Argv } from 'yargs';
import { adminOptions, single, withAdmin, writeOut } from '../client-options.js';

/** `configs describe --json`: exactly this shape. */
export interface ConfigsDescriptionJson {
  entity: ConfigEntity;
  name: string;
  configs: Array<{ name: string; value: string | null; source: string; readOnly: boolean; sensitive: boolean }>;
}

export type ConfigEntity = 'topic' | 'broker';

const RESOURCE_TYPES = { topic: ConfigResourceTypes.TOPIC, broker: ConfigResourceTypes.BROKER } as const;

/** `quill configs describe|alter --entity topic|broker --name T|ID`. */
export function configsCommand(yargs: Argv): Argv {
  return yargs.command('configs', "Show and change a topic's or a broker's configs", (y) =>
    y
      .command(
        'describe',
        "Show a topic's or a broker's configs, each with its value and where it comes from",
        (c) => entityOptions(adminOptions(c)),
        (args) =>
          withAdmin(args, `describing the configs of ${args.entity} ${args.name}`, async (admin) => {
            const { resources } = await admin.describeConfigs({ resources: [{ type: RESOURCE_TYPES[args.entity], name: args.name }] });
            const description = describeConfigs(args.entity, args.name, resources[0]?.configEntries ?? []);
            writeOut(args.json ? JSON.stringify(description) : formatConfigs(description));
          }),
      )
      .command(
        'alter',
        "Set or delete some of a topic's or a broker's configs (the others keep their values)",
        (c) =>
          entityOptions(adminOptions(c))
            .option('add-config', {
              type: 'string',
              array: true,
              nargs: 1,
              describe: 'configs to set, name=value[,name=value]; repeat for more',
            })
            .option('delete-config', {
              type: 'string',
              array: true,
              nargs: 1,
              describe: 'configs to put back to their defaults, name[,name]; repeat for more',
            })
            // Refuse malformed changes before connecting.
            .check((a) => configChanges(strings(a.addConfig), strings(a.deleteConfig)).length > 0),
        (args) =>
          withAdmin(args, `altering the configs of ${args.entity} ${args.name}`, async (admin) => {
            const changes = configChanges(args.addConfig ?? [], args.deleteConfig ?? []);
            await admin.incrementalAlterConfigs({ resources: [{ type: RESOURCE_TYPES[args.entity], name: args.name, configEntries: changes }] });
            if (args.json) writeOut(JSON.stringify({ entity: args.entity, name: args.name, changes: changes.map((c) => ({ name: c.name, operation: c.operation, value: c.value ?? null })) }));
            else writeOut(`Altered the configs of ${args.entity} ${args.name}.`);
          }),
      )
      .demandCommand(1, 'Name a configs action: describe or alter.'),
  );
}

/** yargs types an array option loosely inside `check`. */
function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

function entityOptions<T>(y: Argv<T>) {
  return y
    .option('entity', { choices: ['topic', 'broker'] as const, default: 'topic' as const, describe: 'the kind of resource' })
    .option('name', { type: 'string', demandOption: true, describe: 'the topic, or the broker id', coerce: single<string>('--name') });
}

/**
 * `--add-config a=1,b=2 --delete-config c` as incremental changes. A value may contain '=' (split at
 * the first); a key may appear only once across both options.
 */
export function configChanges(add: string[], remove: string[]): AlterConfigOperation[] {
  const changes: AlterConfigOperation[] = [];
  const push = (change: AlterConfigOperation): void => {
    if (changes.some((c) => c.name === change.name)) throw new QuillError('INVALID_CONFIG', `Config ${change.name} is given more than once.`);
    changes.push(change);
  };
  for (const entry of add.flatMap((a) => a.split(','))) {
    const at = entry.indexOf('=');
    const name = entry.slice(0, at).trim();
    if (at < 0 || name === '') throw new QuillError('INVALID_CONFIG', `--add-config must be name=value[,name=value], got '${entry}'.`);
    push({ name, operation: 'set', value: entry.slice(at + 1) });
  }
  for (const name of remove.flatMap((d) => d.split(',')).map((n) => n.trim())) {
    if (name === '') throw new QuillError('INVALID_CONFIG', '--delete-config needs config names.');
    push({ name, operation: 'delete' });
  }
  if (changes.length === 0) throw new QuillError('INVALID_CONFIG', 'Give --add-config name=value or --delete-config name.');
  return changes;
}

/** The `--json` form of a resource's configs, sorted by name. */
export function describeConfigs(entity: ConfigEntity, name: string, entries: ConfigEntryDescription[]): ConfigsDescriptionJson {
  return {
    entity,
    name,
    configs: entries
      .map((e) => ({ name: e.configName, value: e.configValue, source: e.configSource, readOnly: e.readOnly, sensitive: e.isSensitive }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  };
}

/** The human form: one `name=value (source)` line per config. */
export function formatConfigs(description: ConfigsDescriptionJson): string {
  const lines = description.configs.map((c) => `  ${c.name}=${c.sensitive ? '(sensitive)' : (c.value ?? '')} (${c.source})`);
  return [`Configs of ${description.entity} ${description.name}:`, ...lines].join('\n');
}
