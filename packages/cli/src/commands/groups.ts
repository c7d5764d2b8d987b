import { QuillError, type Admin, type GroupDescription, type GroupPartitionOffset } from '@quill/client';
import type { Argv } from 'yargs';
import { adminOptions, integer, single, withAdmin, writeOut } from '../client-options.js';

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
        'reset-offsets <group>',
        "Move a group's committed offsets of a topic (stop the group's consumers first)",
        (c) =>
          adminOptions(c)
            .positional('group', { type: 'string', demandOption: true, describe: 'the group id' })
            .option('topic', { type: 'string', demandOption: true, describe: 'the topic', coerce: single<string>('--topic') })
            .option('to-earliest', { type: 'boolean', describe: 'to the first offset still in the log' })
            .option('to-latest', { type: 'boolean', describe: 'to the end of the log (skip everything there now)' })
            .option('to-offset', { type: 'number', describe: 'to this offset, in every partition', coerce: integer('--to-offset', 0) })
            .check((a) => {
              const chosen = [a.toEarliest === true, a.toLatest === true, a.toOffset !== undefined].filter(Boolean).length;
              if (chosen !== 1) throw new QuillError('INVALID_CONFIG', 'Give exactly one of --to-earliest, --to-latest, --to-offset N.');
              return true;
            }),
        (args) =>
          withAdmin(args, `resetting the offsets of group ${args.group}`, async (admin) => {
            const { group, topic } = args;
            await assertInactive(admin, group);
            if (args.toOffset !== undefined) {
              const partitions = (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, offset: args.toOffset! }));
              await admin.setOffsets({ groupId: group, topic, partitions });
            } else {
              await admin.resetOffsets({ groupId: group, topic, earliest: args.toEarliest === true });
            }
            const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
            const partitions = (offsets?.partitions ?? []).map((p) => ({ topic, partition: p.partition, committedOffset: p.offset }));
            if (args.json) writeOut(JSON.stringify({ group, topic, partitions }));
            else writeOut(table([['TOPIC', 'PARTITION', 'NEW-OFFSET'], ...partitions.map((p) => [topic, String(p.partition), String(p.committedOffset)])]));
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

