/** What `cluster health` checks, gathered from the controllers and the brokers. */
export interface HealthInput {
  /** The quorum's leader id, or why no leader could be found. */
  quorum: { leaderId: number } | { error: string };
  /** Empty when the controllers could not be asked. */
  brokers: Array<{ id: number; fenced: boolean; inControlledShutdown: boolean }>;
  topics: Array<{ topic: string; partitions: Array<{ partition: number; leader: number; replicas: number[]; isr: number[] }> }>;
}

export type HealthProblemKind = 'no-quorum-leader' | 'fenced-broker' | 'leaderless-partition' | 'under-replicated-partition';

export interface HealthProblem {
  kind: HealthProblemKind;
  /** One line for a person. */
  message: string;
  broker?: number;
  topic?: string;
  partition?: number;
}

/** `cluster health --json`: exactly this shape. */
export interface HealthReport {
  healthy: boolean;
  quorumLeader: number | null;
  problems: HealthProblem[];
}

/** Every problem of the cluster, quorum first, then brokers, then partitions in topic order. */
export function clusterHealth(input: HealthInput): HealthReport {
  const problems: HealthProblem[] = [];
  const quorumLeader = 'leaderId' in input.quorum && input.quorum.leaderId >= 0 ? input.quorum.leaderId : null;
  if (quorumLeader === null) {
    const why = 'error' in input.quorum ? input.quorum.error : 'no leader elected';
    problems.push({ kind: 'no-quorum-leader', message: `controller quorum has no leader: ${why}` });
  }
  for (const broker of [...input.brokers].sort((a, b) => a.id - b.id)) {
    if (broker.fenced) {
      const why = broker.inControlledShutdown ? ' (in controlled shutdown)' : '';
      problems.push({ kind: 'fenced-broker', broker: broker.id, message: `broker ${broker.id} is fenced${why}` });
    }
  }
  const topics = [...input.topics].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
  for (const { topic, partitions } of topics) {
    for (const p of [...partitions].sort((a, b) => a.partition - b.partition)) {
      const name = `${topic}-${p.partition}`;
      if (p.leader < 0) {
        problems.push({ kind: 'leaderless-partition', topic, partition: p.partition, message: `partition ${name} has no leader (replicas ${p.replicas.join(',')})` });
      } else if (p.isr.length < p.replicas.length) {
        problems.push({
          kind: 'under-replicated-partition',
          topic,
          partition: p.partition,
          message: `partition ${name} is under-replicated: isr ${p.isr.join(',')} of replicas ${p.replicas.join(',')}`,
        });
      }
    }
  }
  return { healthy: problems.length === 0, quorumLeader, problems };
}

/** The human form: a verdict line, then one line per problem. */
export function formatHealth(report: HealthReport): string {
  if (report.healthy) return `healthy: quorum leader ${report.quorumLeader}, every partition led and fully replicated, no fenced broker`;
  return [`unhealthy: ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}`, ...report.problems.map((p) => p.message)].join('\n');
}
