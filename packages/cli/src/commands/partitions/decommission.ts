import { QuillError, type Admin } from '@quill/client';
import { currentAssignment, executePlan, setFollowerThrottle } from './partitions.js';
import { changedPartitions, planReassignment, PlanError } from './reassignment-planner.js';

/** How often a decommission looks at its moves. */
const DECOMMISSION_POLL_MS = 500;

export interface DecommissionOutcome {
  broker: number;
  /** Partitions moved off the broker by this run. */
  moved: number;
  /** True when the broker was stopped and is now unregistered. */
  unregistered: boolean;
}

/**
 * Moves every replica (internal topics' too) off `brokerId` to the other running brokers, only
 * those replicas, and waits for the moves; then, if the broker is no longer running, removes its
 * registration (Kafka's UnregisterBroker). A broker still running would register again, so it is
 * left registered with no replicas, to be stopped and decommissioned again.
 */
export async function decommissionBroker(admin: Admin, brokerId: number, throttle: number | undefined, signal: { deadline: number }): Promise<DecommissionOutcome> {
  const brokers = await admin.describeBrokers();
  const leaving = brokers.find((b) => b.nodeId === brokerId);
  if (leaving === undefined) throw new QuillError('BROKER_ID_NOT_REGISTERED', `Broker ${brokerId} is not registered.`);
  const staying = brokers.filter((b) => b.nodeId !== brokerId && b.state === 'running');
  const racks = new Map(staying.flatMap((b) => (b.rack === null ? [] : [[b.nodeId, b.rack] as const])));
  const current = (await currentAssignment(admin, [], true)).filter((p) => p.replicas.includes(brokerId));
  let plan;
  try {
    plan = changedPartitions(current, planReassignment({ partitions: current, brokers: staying.map((b) => b.nodeId), racks, balance: false }));
  } catch (error) {
    if (error instanceof PlanError) throw new QuillError('INVALID_REPLICA_ASSIGNMENT', `Cannot move broker ${brokerId}'s replicas: ${error.message}`);
    throw error;
  }
  if (plan.length > 0) {
    const { receiving } = await executePlan(admin, plan, throttle, Math.max(1, signal.deadline - Date.now()));
    const planned = new Set(plan.map((p) => `${p.topic}/${p.partition}`));
    for (;;) {
      // Only this decommission's moves count: others may run in the cluster at the same time.
      const ongoing = await admin.listPartitionReassignments();
      const moving = ongoing.topics.flatMap((t) => t.partitions.filter((p) => planned.has(`${t.topic}/${p.partition}`)));
      const left = (await currentAssignment(admin, [...new Set(plan.map((p) => p.topic))], true)).filter((p) => p.replicas.includes(brokerId));
      if (moving.length === 0 && left.length === 0) break;
      if (Date.now() + DECOMMISSION_POLL_MS > signal.deadline) {
        throw new QuillError('REQUEST_TIMED_OUT', `Broker ${brokerId} still holds ${left.length} replica(s); the moves carry on (see quill partitions reassign --verify).`);
      }
      await new Promise((resolve) => setTimeout(resolve, DECOMMISSION_POLL_MS));
    }
    // The throttle goes from the brokers this run set it on, and only from them.
    if (throttle !== undefined) await setFollowerThrottle(admin, receiving, undefined);
  }
  const now = (await admin.describeBrokers()).find((b) => b.nodeId === brokerId);
  const stopped = now !== undefined && now.state === 'fenced';
  if (stopped) {
    // A topic created while the replicas moved may have put some on the broker again.
    const still = (await currentAssignment(admin, [], true)).filter((p) => p.replicas.includes(brokerId));
    if (still.length > 0) {
      throw new QuillError('INVALID_REPLICA_ASSIGNMENT', `Broker ${brokerId} holds replicas again (${still.map((p) => `${p.topic}-${p.partition}`).join(', ')}); run the decommission again.`);
    }
    await admin.unregisterBroker(brokerId);
  }
  return { broker: brokerId, moved: plan.length, unregistered: stopped };
}
