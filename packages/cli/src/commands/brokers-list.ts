import type { BrokerState, TopicDescription } from '@quill/client';

/** One line of `quill brokers list`. */
export interface BrokerRow {
  id: number;
  state: BrokerState['state'];
  rack: string | null;
  endpoint: string;
  /** Partition replicas the broker hosts. */
  partitions: number;
  /** Partitions the broker leads. */
  leaders: number;
}

/** Each broker with the replicas it hosts and the partitions it leads, by broker id. */
export function brokerRows(brokers: readonly BrokerState[], topics: readonly TopicDescription[]): BrokerRow[] {
  const partitions = topics.flatMap((t) => t.partitions);
  return [...brokers]
    .sort((a, b) => a.nodeId - b.nodeId)
    .map((b) => ({
      id: b.nodeId,
      state: b.state,
      rack: b.rack,
      endpoint: b.endpoints.map((e) => `${e.host}:${e.port}`).join(','),
      partitions: partitions.filter((p) => p.replicas.includes(b.nodeId)).length,
      leaders: partitions.filter((p) => p.leader === b.nodeId).length,
    }));
}

/** A table: one broker per line. */
export function formatBrokers(rows: readonly BrokerRow[]): string {
  if (rows.length === 0) return 'no broker registered';
  const table = [
    ['ID', 'STATE', 'RACK', 'ENDPOINT', 'PARTITIONS', 'LEADERS'],
    ...rows.map((r) => [String(r.id), r.state, r.rack ?? '-', r.endpoint, String(r.partitions), String(r.leaders)]),
  ];
  const widths = table[0]!.map((_, column) => Math.max(...table.map((row) => row[column]!.length)));
  return table.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n');
}
