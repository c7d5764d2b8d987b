import { QuillError, type Admin, type GroupDescription, type GroupPartitionOffset } from '@quill/client';
import type { Argv } from 'yargs';
import { adminOptions, integer, single, withAdmin, writeOut } from '../client-options.js';
import {
  parseDateTime,
  parseDuration,
  parseTopicSelection,
  planResets,
  type PartitionPosition,
  type PlannedOffset,
  type ResetTarget,
  type TopicSelection,
} from './reset-offsets-plan.js';

/** `groups describe --json`: exactly this shape. */
export interface GroupDescriptionJson {
  group: string;
  state: string;
  members: Array<{
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    clientHost: string;
    partitions: Array<{ topic: string; partition: number }>;
  }>;
  partitions: Array<{
    topic: string;
    partition: number;
    /** -1 when the group has committed nothing for the partition. */
    committedOffset: number;
    logEndOffset: number;
    lag: number;
    /** The member reading the partition now, or null. */
    memberId: string | null;
  }>;
}

/** `quill groups list|describe|reset-offsets|delete`. */
export function groupsCommand(yargs: Argv): Argv {
  return yargs.command('groups', 'List and describe consumer groups, reset their offsets', (y) =>
    y
      .command(
        'list',
        'List the consumer groups',
        (c) => adminOptions(c),
        (args) =>
          withAdmin(args, 'listing groups', async (admin) => {
            const { groups } = await admin.listGroups();
            if (args.json) writeOut(JSON.stringify({ groups: groups.map((g) => ({ group: g.groupId, state: g.state, protocolType: g.protocolType })) }));
            else if (groups.length > 0) writeOut(table([['GROUP', 'STATE'], ...groups.map((g) => [g.groupId, g.state])]));
          }),
      )
      .command(
        'describe <group>',
        'Show a group: members, their partitions, committed offset, log end and lag per partition',
        (c) => adminOptions(c).positional('group', { type: 'string', demandOption: true, describe: 'the group id' }),
        (args) =>
          withAdmin(args, `describing group ${args.group}`, async (admin) => {
            const description = await describeGroup(admin, args.group);
            writeOut(args.json ? JSON.stringify(description) : formatGroup(description));
          }),
      )
      .command(
        'reset-offsets',
        "Plan, and with --execute apply, new committed offsets for a group (stop the group's consumers first)",
        (c) =>
          adminOptions(c)
            .option('group', { type: 'string', demandOption: true, describe: 'the group id', coerce: single<string>('--group') })
            .option('topic', { type: 'string', array: true, describe: 'TOPIC or TOPIC:PARTITION,PARTITION (repeatable)' })
            .option('all-topics', { type: 'boolean', describe: 'every topic the group has committed offsets for' })
            .option('to-earliest', { type: 'boolean', describe: 'to the first offset still in the log' })
            .option('to-latest', { type: 'boolean', describe: 'to the end of the log (skip everything there now)' })
            .option('to-offset', { type: 'number', describe: 'to this offset, in every partition', coerce: integer('--to-offset', 0) })
            .option('to-datetime', { type: 'string', describe: 'to the first offset at or after this ISO-8601 date-time', coerce: single<string>('--to-datetime') })
            .option('by-duration', { type: 'string', describe: 'to the first offset at or after now minus this ISO-8601 duration (PnDTnHnMnS)', coerce: single<string>('--by-duration') })
            .option('shift-by', { type: 'number', describe: 'move each committed offset by N (negative: back)', coerce: integer('--shift-by', Number.MIN_SAFE_INTEGER) })
            .option('execute', { type: 'boolean', default: false, describe: 'apply the plan (without it, only print it)' })
            .check((a) => {
              const targets = [a.toEarliest === true, a.toLatest === true, a.toOffset !== undefined, a.toDatetime !== undefined, a.byDuration !== undefined, a.shiftBy !== undefined];
              if (targets.filter(Boolean).length !== 1) {
                throw new QuillError('INVALID_CONFIG', 'Give exactly one of --to-earliest, --to-latest, --to-offset N, --to-datetime, --by-duration, --shift-by N.');
              }
              if ((a.topic !== undefined) === (a.allTopics === true)) throw new QuillError('INVALID_CONFIG', 'Give --topic (one or more) or --all-topics.');
              return true;
            }),
        (args) =>
          withAdmin(args, `resetting the offsets of group ${args.group}`, async (admin) => {
            const target = resetTarget(args, Date.now());
            await assertInactive(admin, args.group);
            const selections = args.allTopics === true ? await committedTopics(admin, args.group) : (args.topic ?? []).map((t) => parseTopicSelection(String(t)));
            const plan = planResets(target, await positionsOf(admin, args.group, selections, target));
            if (args.execute) await applyPlan(admin, args.group, plan);
            if (args.json) writeOut(JSON.stringify({ group: args.group, executed: args.execute, partitions: plan }));
            else writeOut(table([['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'], ...plan.map((p) => [args.group, p.topic, String(p.partition), String(p.newOffset)])]));
          }),
      )
      .command(
        'delete <group>',
        'Delete a group and its committed offsets (the group must have no members)',
        (c) => adminOptions(c).positional('group', { type: 'string', demandOption: true, describe: 'the group id' }),
        (args) =>
          withAdmin(args, `deleting group ${args.group}`, async (admin) => {
            await admin.deleteGroups([args.group]);
            writeOut(args.json ? JSON.stringify({ group: args.group, deleted: true }) : `Deleted group ${args.group}.`);
          }),
      )
      .demandCommand(1, 'Name a groups action: list, describe, reset-offsets or delete.'),
  );
}

/** A group's members and, per partition it reads or has committed, the offsets and lag. */
export async function describeGroup(admin: Admin, groupId: string): Promise<GroupDescriptionJson> {
  const [{ groups }, committed] = await Promise.all([admin.describeGroups([groupId]), admin.fetchOffsets({ groupId })]);
  const group = groups[0]!;
  if (group.state === 'Dead' && group.members.length === 0 && committed.length === 0) {
    throw new QuillError('GROUP_ID_NOT_FOUND', `Group '${groupId}' does not exist.`);
  }
  const owner = ownerByPartition(group);
  const assignedTopics = [...new Set(group.members.flatMap((m) => m.assignment.map((a) => a.topic)))];
  const missing = assignedTopics.filter((t) => !committed.some((c) => c.topic === t));
  const extra = missing.length > 0 ? await admin.fetchOffsets({ groupId, topics: missing }) : [];
  const perTopic = [...committed, ...extra].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
  return {
    group: groupId,
    state: group.state,
    members: group.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId ?? null,
      clientId: m.clientId,
      clientHost: m.clientHost,
      partitions: m.assignment,
    })),
    partitions: perTopic.flatMap(({ topic, partitions }) =>
      partitions.map((p: GroupPartitionOffset) => ({
        topic,
        partition: p.partition,
        committedOffset: p.offset,
        logEndOffset: p.high,
        lag: p.lag,
        memberId: owner.get(`${topic}\u0000${p.partition}`) ?? null,
      })),
    ),
  };
}

function ownerByPartition(group: GroupDescription): Map<string, string> {
  const owner = new Map<string, string>();
  for (const m of group.members) for (const a of m.assignment) owner.set(`${a.topic}\u0000${a.partition}`, m.memberId);
  return owner;
}

/** Resetting offsets under running consumers would be undone by their next commit: refuse it clearly. */
async function assertInactive(admin: Admin, groupId: string): Promise<void> {
  const { groups } = await admin.describeGroups([groupId]);
  const members = groups[0]?.members.length ?? 0;
  if (members > 0) {
    throw new QuillError('NON_EMPTY_GROUP', `Group '${groupId}' has ${members} active member${members === 1 ? '' : 's'}; stop its consumers before resetting offsets.`);
  }
}

/** The target the reset-offsets flags name; times become absolute against `nowMs`. */
function resetTarget(
  args: { toEarliest?: boolean | undefined; toLatest?: boolean | undefined; toOffset?: number | undefined; toDatetime?: string | undefined; byDuration?: string | undefined; shiftBy?: number | undefined },
  nowMs: number,
): ResetTarget {
  if (args.toEarliest === true) return { kind: 'earliest' };
  if (args.toLatest === true) return { kind: 'latest' };
  if (args.toOffset !== undefined) return { kind: 'offset', offset: args.toOffset };
  if (args.toDatetime !== undefined) return { kind: 'timestamp', timestampMs: parseDateTime(args.toDatetime) };
  if (args.byDuration !== undefined) return { kind: 'timestamp', timestampMs: nowMs - parseDuration(args.byDuration) };
  return { kind: 'shift', by: args.shiftBy! };
}

/** Every topic the group has committed offsets for (Kafka's --all-topics). */
async function committedTopics(admin: Admin, groupId: string): Promise<TopicSelection[]> {
  const committed = await admin.fetchOffsets({ groupId });
  return committed.map(({ topic }) => ({ topic, partitions: undefined }));
}

/** What the plan needs of each selected partition: the committed offset, the log's bounds, the offset at the target time. */
async function positionsOf(admin: Admin, groupId: string, selections: readonly TopicSelection[], target: ResetTarget): Promise<PartitionPosition[]> {
  const perTopic = await Promise.all(
    selections.map(async ({ topic, partitions }) => {
      const [bounds, [committed], atTime] = await Promise.all([
        admin.fetchTopicOffsets(topic),
        admin.fetchOffsets({ groupId, topics: [topic] }),
        target.kind === 'timestamp' ? admin.fetchTopicOffsetsByTimestamp(topic, target.timestampMs) : Promise.resolve(undefined),
      ]);
      const missing = (partitions ?? []).filter((p) => !bounds.some((b) => b.partition === p));
      if (missing.length > 0) throw new QuillError('UNKNOWN_TOPIC_OR_PARTITION', `Topic ${topic} has no partition ${missing.join(', ')}.`);
      return bounds
        .filter((b) => partitions === undefined || partitions.includes(b.partition))
        .map((b): PartitionPosition => {
          const found = atTime?.find((a) => a.partition === b.partition)?.offset;
          return {
            topic,
            partition: b.partition,
            committed: committed?.partitions.find((c) => c.partition === b.partition)?.offset ?? -1,
            low: b.low,
            high: b.high,
            ...(found === undefined ? {} : { atTimestamp: found }),
          };
        });
    }),
  );
  return perTopic.flat();
}

/** Commits the planned offsets, one call per topic. */
async function applyPlan(admin: Admin, groupId: string, plan: readonly PlannedOffset[]): Promise<void> {
  for (const topic of [...new Set(plan.map((p) => p.topic))]) {
    const partitions = plan.filter((p) => p.topic === topic).map((p) => ({ partition: p.partition, offset: p.newOffset }));
    await admin.setOffsets({ groupId, topic, partitions });
  }
}

/** The human form of `groups describe`. */
export function formatGroup(d: GroupDescriptionJson): string {
  const header = `Group: ${d.group}  State: ${d.state}  Members: ${d.members.length}`;
  const rows = [
    ['TOPIC', 'PARTITION', 'COMMITTED', 'LOG-END', 'LAG', 'MEMBER'],
    ...d.partitions.map((p) => [
      p.topic,
      String(p.partition),
      p.committedOffset < 0 ? '-' : String(p.committedOffset),
      String(p.logEndOffset),
      String(p.lag),
      p.memberId ?? '-',
    ]),
  ];
  return `${header}\n${table(rows)}`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n');
}

