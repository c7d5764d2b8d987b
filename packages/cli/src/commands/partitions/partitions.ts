import fs from 'node:fs';
import { ConfigResourceTypes, QuillError, type Admin } from '@quill/client';
import type { Argv } from 'yargs';
import { adminOptions, integer, single, withAdmin, writeOut } from '../../client-options.js';
import { formatPlan, parsePlan, type PlanEntry } from './plan-file.js';
import { changedPartitions, planReassignment, PlanError, type CurrentPartition } from './reassignment-planner.js';

/** The broker config that throttles a broker's fetching of the replicas moving onto it (bytes/s). */
export const FOLLOWER_THROTTLE_CONFIG = 'follower.replication.throttled.rate';

type MoveStatus = 'complete' | 'in progress' | 'not started';

interface PartitionStatus {
  topic: string;
  partition: number;
  status: MoveStatus;
  replicas: number[];
}

function brokerList(value: string | string[]): number[] {
  const text = single<string>('--brokers')(value);
  const ids = text.split(',').map((s) => s.trim());
  if (ids.some((id) => !/^\d+$/.test(id))) throw new QuillError('INVALID_REQUEST', `--brokers must be a comma-separated list of broker ids, got "${text}".`);
  return ids.map(Number);
}

function readPlan(file: string): PlanEntry[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new QuillError('INVALID_REQUEST', `Cannot read the plan ${file}: ${(error as Error).message}`);
  }
  return parsePlan(text);
}

/** The current replicas of the partitions of `topics` (every topic when empty; internal ones only with `includeInternal`). */
export async function currentAssignment(admin: Admin, topics: readonly string[], includeInternal = false): Promise<CurrentPartition[]> {
  const metadata = await admin.fetchTopicMetadata(topics.length === 0 ? { includeInternal } : { topics: [...topics] });
  return metadata.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionId, replicas: [...p.replicas] })));
}

/** A balanced plan over `brokers` for the partitions of `topics` (all when empty): only the partitions that change. */
export async function proposePlan(admin: Admin, brokers: readonly number[], topics: readonly string[]): Promise<{ current: CurrentPartition[]; proposed: PlanEntry[] }> {
  const registered = await admin.describeBrokers();
  const unknown = brokers.find((id) => !registered.some((b) => b.nodeId === id));
  if (unknown !== undefined) throw new QuillError('INVALID_REPLICA_ASSIGNMENT', `Broker ${unknown} is not registered.`);
  const racks = new Map(registered.flatMap((b) => (b.rack === null ? [] : [[b.nodeId, b.rack] as const])));
  const current = await currentAssignment(admin, topics);
  try {
    const planned = planReassignment({ partitions: current, brokers, racks });
    return { current, proposed: changedPartitions(current, planned) };
  } catch (error) {
    if (error instanceof PlanError) throw new QuillError('INVALID_REPLICA_ASSIGNMENT', error.message);
    throw error;
  }
}

/** Where each partition of the plan stands. */
export async function planStatus(admin: Admin, plan: readonly PlanEntry[]): Promise<PartitionStatus[]> {
  const ongoing = await admin.listPartitionReassignments();
  const moving = new Set(ongoing.topics.flatMap((t) => t.partitions.map((p) => `${t.topic}/${p.partition}`)));
  const current = new Map((await currentAssignment(admin, [...new Set(plan.map((e) => e.topic))])).map((p) => [`${p.topic}/${p.partition}`, p.replicas]));
  return plan.map((e) => {
    const key = `${e.topic}/${e.partition}`;
    const replicas = [...(current.get(key) ?? [])];
    const done = replicas.length === e.replicas.length && replicas.every((b, i) => b === e.replicas[i]);
    return { topic: e.topic, partition: e.partition, replicas, status: moving.has(key) ? 'in progress' : done ? 'complete' : 'not started' };
  });
}

/** Sets (a rate) or removes (undefined) the follower throttle on these brokers. */
export async function setFollowerThrottle(admin: Admin, brokers: readonly number[], bytesPerSecond: number | undefined): Promise<void> {
  if (brokers.length === 0) return;
  await admin.incrementalAlterConfigs({
    resources: brokers.map((id) => ({
      type: ConfigResourceTypes.BROKER,
      name: String(id),
      configEntries: [bytesPerSecond === undefined ? { name: FOLLOWER_THROTTLE_CONFIG, operation: 'delete' } : { name: FOLLOWER_THROTTLE_CONFIG, value: String(bytesPerSecond) }],
    })),
  });
}

/** The brokers that receive new replicas under the plan. */
function receivingBrokers(plan: readonly PlanEntry[], current: ReadonlyMap<string, readonly number[]>): number[] {
  const ids = new Set<number>();
  for (const e of plan) for (const b of e.replicas) if (!(current.get(`${e.topic}/${e.partition}`) ?? []).includes(b)) ids.add(b);
  return [...ids].sort((a, b) => a - b);
}

/** The plan's partitions as they are now. */
async function planPartitionsNow(admin: Admin, plan: readonly PlanEntry[]): Promise<CurrentPartition[]> {
  const current = await currentAssignment(admin, [...new Set(plan.map((e) => e.topic))], true);
  return current.filter((p) => plan.some((e) => e.topic === p.topic && e.partition === p.partition));
}

/**
 * Starts the plan's moves (all or none), with the follower throttle on the receiving brokers
 * when asked; answers the plan's partitions as they were, and the receiving brokers.
 */
export async function executePlan(
  admin: Admin,
  plan: readonly PlanEntry[],
  throttle: number | undefined,
  timeoutMs: number,
): Promise<{ previous: CurrentPartition[]; receiving: number[] }> {
  const current = await planPartitionsNow(admin, plan);
  const receiving = receivingBrokers(plan, new Map(current.map((p) => [`${p.topic}/${p.partition}`, p.replicas])));
  if (throttle !== undefined) await setFollowerThrottle(admin, receiving, throttle);
  const topics = new Map<string, Array<{ partition: number; replicas: number[] }>>();
  for (const e of plan) topics.set(e.topic, [...(topics.get(e.topic) ?? []), { partition: e.partition, replicas: [...e.replicas] }]);
  await admin.alterPartitionReassignments({ topics: [...topics].map(([topic, partitionAssignment]) => ({ topic, partitionAssignment })), timeout: timeoutMs });
  return { previous: current, receiving };
}

/**
 * The follower throttle removed from the brokers the plan names (those it moves replicas onto
 * among them), as Kafka's --verify does once a plan is complete; other brokers keep theirs.
 */
async function removeThrottles(admin: Admin, plan: readonly PlanEntry[]): Promise<void> {
  await setFollowerThrottle(admin, [...new Set(plan.flatMap((e) => e.replicas))].sort((a, b) => a - b), undefined);
}

function formatStatus(statuses: readonly PartitionStatus[]): string {
  return statuses
    .map((s) => `${s.topic}-${s.partition}: ${s.status === 'complete' ? 'reassignment complete' : s.status === 'in progress' ? 'reassignment in progress' : `not moved (replicas ${s.replicas.join(',')})`}`)
    .join('\n');
}

/** `quill partitions plan|reassign`: Kafka's kafka-reassign-partitions.sh. */
export function partitionsCommand(yargs: Argv): Argv {
  return yargs.command('partitions', 'Move partition replicas between brokers', (y) =>
    y
      .command(
        'plan',
        'Propose a balanced, rack-aware plan over the given brokers that moves as few replicas as possible (prints Kafka\'s plan JSON)',
        (c) =>
          adminOptions(c)
            .option('brokers', { type: 'string', demandOption: true, describe: 'the broker ids the replicas may live on, e.g. 1,2,3,4', coerce: brokerList })
            .option('topics', { type: 'string', describe: 'only these topics, comma-separated (default: every topic)', coerce: single<string>('--topics') }),
        (args) =>
          withAdmin(args, 'planning a reassignment', async (admin) => {
            const topics = args.topics === undefined ? [] : args.topics.split(',').map((t) => t.trim()).filter((t) => t !== '');
            const { current, proposed } = await proposePlan(admin, args.brokers, topics);
            const moved = current.filter((p) => proposed.some((e) => e.topic === p.topic && e.partition === p.partition));
            if (args.json) {
              writeOut(JSON.stringify({ current: JSON.parse(formatPlan(moved)), proposed: JSON.parse(formatPlan(proposed)) }));
              return;
            }
            if (proposed.length === 0) {
              writeOut('Nothing to move: the replicas are balanced over these brokers.');
              return;
            }
            writeOut(`Current partition replica assignment\n${formatPlan(moved)}\n\nProposed partition reassignment configuration\n${formatPlan(proposed)}`);
          }),
      )
      .command(
        'reassign',
        'Execute, verify or cancel a reassignment plan (Kafka\'s JSON format)',
        (c) =>
          adminOptions(c)
            .option('plan', { type: 'string', demandOption: true, describe: 'the plan file', coerce: single<string>('--plan') })
            .option('execute', { type: 'boolean', describe: 'start the moves (all or none: a bad plan moves nothing)' })
            .option('verify', { type: 'boolean', describe: 'show where each move stands; removes the throttle once all are complete' })
            .option('cancel', { type: 'boolean', describe: 'cancel the plan\'s moves in progress: their old replica sets come back' })
            .option('throttle', { type: 'number', describe: 'with --execute: bytes/s each receiving broker may fetch for the moves', coerce: integer('--throttle', 1) })
            .check((args) => {
              const actions = [args.execute, args.verify, args.cancel].filter((a) => a === true).length;
              if (actions !== 1) throw new QuillError('INVALID_REQUEST', 'Name exactly one action: --execute, --verify or --cancel.');
              if (args.throttle !== undefined && args.execute !== true) throw new QuillError('INVALID_REQUEST', '--throttle goes with --execute.');
              return true;
            }),
        (args) =>
          withAdmin(args, 'reassigning partitions', async (admin) => {
            const plan = readPlan(args.plan);
            if (args.execute === true) {
              const { previous } = await executePlan(admin, plan, args.throttle, args.timeoutMs);
              if (args.json) {
                writeOut(JSON.stringify({ started: plan.length, previous: JSON.parse(formatPlan(previous)), throttle: args.throttle ?? null }));
                return;
              }
              const throttled = args.throttle === undefined ? '' : ` (throttled to ${args.throttle} bytes/s per receiving broker; --verify removes it when done)`;
              writeOut(`Current partition replica assignment (save it to roll back)\n${formatPlan(previous)}\n\nStarted moving ${plan.length} partition(s)${throttled}.`);
              return;
            }
            if (args.cancel === true) {
              const moving = (await planStatus(admin, plan)).filter((s) => s.status === 'in progress');
              if (moving.length > 0) {
                const topics = new Map<string, Array<{ partition: number; replicas: null }>>();
                for (const s of moving) topics.set(s.topic, [...(topics.get(s.topic) ?? []), { partition: s.partition, replicas: null }]);
                await admin.alterPartitionReassignments({ topics: [...topics].map(([topic, partitionAssignment]) => ({ topic, partitionAssignment })), timeout: args.timeoutMs });
              }
              await removeThrottles(admin, plan);
              const cancelled = moving.map((s) => ({ topic: s.topic, partition: s.partition }));
              writeOut(args.json ? JSON.stringify({ cancelled }) : cancelled.length === 0 ? 'Nothing of the plan is moving.' : cancelled.map((s) => `${s.topic}-${s.partition}: reassignment cancelled`).join('\n'));
              return;
            }
            const statuses = await planStatus(admin, plan);
            const complete = statuses.every((s) => s.status === 'complete');
            if (complete) await removeThrottles(admin, plan);
            writeOut(args.json ? JSON.stringify({ complete, partitions: statuses }) : `${formatStatus(statuses)}${complete ? '\nThrottles removed.' : ''}`);
          }),
      )
      .demandCommand(1, 'Name a partitions action: plan or reassign.'),
  );
}
