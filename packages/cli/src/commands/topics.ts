import { ConfigResourceTypes, QuillError, type Admin, type TopicDescription } from '@quill/client';
import type { Argv } from 'yargs';
import fs from 'node:fs';
import { adminOptions, findTopic, integer, single, withAdmin, writeOut } from '../client-options.js';
import { parseOffsetJson, type RecordsToDelete } from './delete-records-file.js';

/** `topics describe --json`: one object per topic, in this exact shape. */
export interface TopicDescriptionJson {
  topic: string;
  partitions: Array<{ partition: number; leader: number; leaderEpoch: number; replicas: number[]; isr: number[] }>;
}

/** `quill topics create|list|describe|alter|delete`. */
export function topicsCommand(yargs: Argv): Argv {
  return yargs.command('topics', 'Create, list, describe and delete topics', (y) =>
    y
      .command(
        'create <name>',
        'Create a topic',
        (c) =>
          adminOptions(c)
            .positional('name', { type: 'string', demandOption: true, describe: 'the topic' })
            .option('partitions', {
              type: 'number',
              describe: "number of partitions (default: the cluster's num.partitions)",
              coerce: integer('--partitions', 1),
            })
            .option('replication-factor', {
              type: 'number',
              describe: "replicas of each partition (default: the cluster's default.replication.factor)",
              coerce: integer('--replication-factor', 1),
            })
            // Not --config as in Kafka: main.ts takes --config globally for an options file.
            .option('topic-config', {
              type: 'string',
              array: true,
              nargs: 1,
              describe: 'a topic config, name=value (e.g. retention.ms=60000); repeat for several',
              coerce: parseConfigs,
            })
            .option('if-not-exists', { type: 'boolean', default: false, describe: 'succeed when the topic already exists' }),
        (args) =>
          withAdmin(args, `creating topic ${args.name}`, async (admin) => {
            const created = await admin.createTopics({
              topics: [
                {
                  topic: args.name,
                  ...(args.partitions === undefined ? {} : { numPartitions: args.partitions }),
                  ...(args.replicationFactor === undefined ? {} : { replicationFactor: args.replicationFactor }),
                  configEntries: args.topicConfig ?? [],
                },
              ],
            });
            if (!created && !args.ifNotExists) {
              throw new QuillError('TOPIC_ALREADY_EXISTS', `Topic '${args.name}' already exists.`);
            }
            writeOut(args.json ? JSON.stringify({ topic: args.name, created }) : created ? `Created topic ${args.name}.` : `Topic ${args.name} already exists.`);
          }),
      )
      .command(
        'list',
        'List the topics',
        (c) => adminOptions(c),
        (args) =>
          withAdmin(args, 'listing topics', async (admin) => {
            const names = (await admin.listTopics()).sort();
            if (args.json) writeOut(JSON.stringify({ topics: names }));
            else if (names.length > 0) writeOut(names.join('\n'));
          }),
      )
      .command(
        'describe [name]',
        'Show the partitions of a topic (of every topic without a name): leader, leader epoch, replicas, in-sync replicas',
        (c) =>
          adminOptions(c)
            .positional('name', { type: 'string', describe: 'the topic (default: every topic)' })
            .option('under-replicated-partitions', { type: 'boolean', default: false, describe: 'only partitions whose ISR is smaller than their replicas' })
            .option('unavailable-partitions', { type: 'boolean', default: false, describe: 'only partitions without a leader' })
            .option('at-min-isr-partitions', { type: 'boolean', default: false, describe: "only partitions whose ISR is exactly the topic's min.insync.replicas" }),
        (args) =>
          withAdmin(args, args.name === undefined ? 'describing topics' : `describing topic ${args.name}`, async (admin) => {
            const { topics } = await admin.fetchTopicMetadata();
            const minIsr = args.atMinIsrPartitions ? await minInsyncReplicas(admin, args.name === undefined ? topics.map((t) => t.name) : [args.name]) : undefined;
            const filter = (topic: string): PartitionFilter => ({
              underReplicated: args.underReplicatedPartitions,
              unavailable: args.unavailablePartitions,
              ...(minIsr === undefined ? {} : { minIsr: minIsr.get(topic) ?? 1 }),
            });
            if (args.name !== undefined) {
              const description = filterPartitions(describeTopic(findTopic(topics, args.name)), filter(args.name));
              writeOut(args.json ? JSON.stringify(description) : formatDescription(description));
              return;
            }
            const filtering = args.underReplicatedPartitions || args.unavailablePartitions || args.atMinIsrPartitions;
            const descriptions = topics
              .map((t) => filterPartitions(describeTopic(t), filter(t.name)))
              .filter((d) => !filtering || d.partitions.length > 0)
              .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
            if (args.json) writeOut(JSON.stringify({ topics: descriptions }));
            else if (descriptions.length > 0) writeOut(descriptions.map(formatDescription).join('\n\n'));
          }),
      )
      .command(
        'alter <name>',
        'Add partitions to a topic',
        (c) =>
          adminOptions(c)
            .positional('name', { type: 'string', demandOption: true, describe: 'the topic' })
            .option('partitions', {
              type: 'number',
              demandOption: true,
              describe: 'the new total number of partitions (more than today)',
              coerce: integer('--partitions', 1),
            }),
        (args) =>
          withAdmin(args, `altering topic ${args.name}`, async (admin) => {
            await admin.createPartitions({ topicPartitions: [{ topic: args.name, count: args.partitions }] });
            writeOut(args.json ? JSON.stringify({ topic: args.name, partitions: args.partitions }) : `Topic ${args.name} now has ${args.partitions} partitions.`);
          }),
      )
      .command(
        'delete <name>',
        'Delete a topic and its data',
        (c) => adminOptions(c).positional('name', { type: 'string', demandOption: true, describe: 'the topic' }),
        (args) =>
          withAdmin(args, `deleting topic ${args.name}`, async (admin) => {
            await admin.deleteTopics({ topics: [args.name] });
            writeOut(args.json ? JSON.stringify({ topic: args.name, deleted: true }) : `Deleted topic ${args.name}.`);
          }),
      )
      .command(
        'delete-records',
        "Delete a partition's records below an offset (the log start moves there)",
        (c) =>
          adminOptions(c)
            .option('topic', { type: 'string', describe: 'the topic', coerce: single<string>('--topic') })
            .option('partition', { type: 'number', describe: 'the partition', coerce: integer('--partition', 0) })
            .option('offset', { type: 'number', describe: 'delete the records below this offset; -1: up to the high watermark', coerce: integer('--offset', -1) })
            .option('offset-json-file', {
              type: 'string',
              describe: 'Kafka\'s format: {"partitions":[{"topic":"t","partition":0,"offset":5}],"version":1}',
              coerce: single<string>('--offset-json-file'),
            })
            .check((a) => {
              const complete = a.topic !== undefined && a.partition !== undefined && a.offset !== undefined;
              const partial = a.topic !== undefined || a.partition !== undefined || a.offset !== undefined;
              if ((a.offsetJsonFile !== undefined) === partial || (partial && !complete)) {
                throw new QuillError('INVALID_CONFIG', 'Give --topic, --partition and --offset, or --offset-json-file.');
              }
              return true;
            }),
        (args) =>
          withAdmin(args, 'deleting records', async (admin) => {
            const requested: RecordsToDelete[] =
              args.offsetJsonFile !== undefined
                ? parseOffsetJson(fs.readFileSync(args.offsetJsonFile, 'utf8'))
                : [{ topic: args.topic!, partition: args.partition!, offset: args.offset! }];
            const partitions = [];
            for (const topic of [...new Set(requested.map((r) => r.topic))]) {
              const wanted = requested.filter((r) => r.topic === topic).map(({ partition, offset }) => ({ partition, offset }));
              partitions.push(...(await admin.deleteTopicRecords({ topic, partitions: wanted })));
            }
            if (args.json) writeOut(JSON.stringify({ partitions }));
            else writeOut(partitions.map((p) => `${p.topic}-${p.partition}: low watermark ${p.lowWatermark}`).join('\n'));
          }),
      )
      .demandCommand(1, 'Name a topics action: create, list, describe, alter, delete or delete-records.'),
  );
}

/**
 * `--topic-config a=b --topic-config c=d` as the admin API's config entries. The value may itself contain
 * '=' (split at the first one).
 */
export function parseConfigs(entries: string[]): Array<{ name: string; value: string }> {
  const configs: Array<{ name: string; value: string }> = [];
  for (const entry of entries) {
    const at = entry.indexOf('=');
    const name = entry.slice(0, at).trim();
    if (at < 0 || name === '') {
      throw new QuillError('INVALID_CONFIG', `--topic-config must be name=value, got '${entry}'.`);
    }
    if (configs.some((c) => c.name === name)) throw new QuillError('INVALID_CONFIG', `--topic-config ${name} is given more than once.`);
    configs.push({ name, value: entry.slice(at + 1) });
  }
  return configs;
}

/** The `--json` form of a topic's metadata. */
export function describeTopic(topic: TopicDescription): TopicDescriptionJson {
  return {
    topic: topic.name,
    partitions: topic.partitions.map((p) => ({
      partition: p.partitionId,
      leader: p.leader,
      leaderEpoch: p.leaderEpoch,
      replicas: p.replicas,
      isr: p.isr,
    })),
  };
}

/** The `topics describe` filters; `minIsr` (the topic's min.insync.replicas) is set for --at-min-isr-partitions. */
export interface PartitionFilter {
  underReplicated: boolean;
  unavailable: boolean;
  minIsr?: number;
}

/**
 * Only the partitions a `topics describe` filter asks for: under-replicated (ISR smaller than the
 * replicas), unavailable (no leader) or at min ISR (ISR size equal to min.insync.replicas); any
 * matches when several are given, all without a filter.
 */
export function filterPartitions(description: TopicDescriptionJson, filter: PartitionFilter): TopicDescriptionJson {
  const { underReplicated, unavailable, minIsr } = filter;
  if (!underReplicated && !unavailable && minIsr === undefined) return description;
  return {
    topic: description.topic,
    partitions: description.partitions.filter(
      (p) => (underReplicated && p.isr.length < p.replicas.length) || (unavailable && p.leader < 0) || (minIsr !== undefined && p.isr.length === minIsr),
    ),
  };
}

/** Each topic's min.insync.replicas as it applies (its own, the cluster default or the built-in one). */
async function minInsyncReplicas(admin: Admin, topics: string[]): Promise<Map<string, number>> {
  if (topics.length === 0) return new Map();
  const { resources } = await admin.describeConfigs({
    resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['min.insync.replicas'] })),
  });
  return new Map(resources.map((r) => [r.resourceName, Number(r.configEntries[0]?.configValue ?? '1')]));
}

/** The human form of `topics describe`: a header line and one aligned row per partition. */
export function formatDescription(description: TopicDescriptionJson): string {
  const { partitions } = description;
  const replicationFactor = partitions[0]?.replicas.length ?? 0;
  const header = `Topic: ${description.topic}  Partitions: ${partitions.length}  Replication factor: ${replicationFactor}`;
  const rows = [
    ['PARTITION', 'LEADER', 'EPOCH', 'REPLICAS', 'ISR'],
    ...partitions.map((p) => [
      String(p.partition),
      p.leader < 0 ? 'none' : String(p.leader),
      String(p.leaderEpoch),
      p.replicas.join(','),
      p.isr.join(','),
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const lines = rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd(),
  );
  return [header, ...lines].join('\n');
}

