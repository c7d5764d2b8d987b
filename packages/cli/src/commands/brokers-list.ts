import type { BrokerState, TopicDescription } from '@quill/client';

/** One line of `quill brokers list`. */
export interface BrokerRow {
  id: number;
  state: BrokerState['state'];
  rack: string | null;
  /** The gRPC endpoint (what Quill's SDK and CLI dial). */
  endpoint: string;
  /** The Kafka-protocol endpoint, when the broker has one. */
  kafkaEndpoint: string | null;
  /** Partition replicas the broker hosts. */
  partitions: number;
  /** Partitions the broker leads. */
  leaders: number;
}

/** The listener name brokers register their Kafka-protocol endpoint under. */
const KAFKA_LISTENER = 'KAFKA';

const address = (endpoint: { host: string; port: number } | undefined): string | undefined => (endpoint === undefined ? undefined : `${endpoint.host}:${endpoint.port}`);

/** Each broker with the replicas it hosts and the partitions it leads, by broker id. */
export function brokerRows(brokers: readonly BrokerState[], topics: readonly TopicDescription[]): BrokerRow[] {
  const partitions = topics.flatMap((t) => t.partitions);
  return [...brokers]
    .sort((a, b) => a.nodeId - b.nodeId)
    .map((b) => ({
      id: b.nodeId,
      state: b.state,
      rack: b.rack,
      endpoint: address(b.endpoints.find((e) => e.listenerName !== KAFKA_LISTENER) ?? b.endpoints[0]) ?? '-',
      kafkaEndpoint: address(b.endpoints.find((e) => e.listenerName === KAFKA_LISTENER)) ?? null,
      partitions: partitions.filter((p) => p.replicas.includes(b.nodeId)).length,
      leaders: partitions.filter((p) => p.leader === b.nodeId).length,
    }));
}

/** A table: one broker per line. */
export function formatBrokers(rows: readonly BrokerRow[]): string {
  if (rows.length === 0) return 'no broker registered';
  const table = [
    ['ID', 'STATE', 'RACK', 'ENDPOINT', 'KAFKA', 'PARTITIONS', 'LEADERS'],
    ...rows.map((r) => [String(r.id), r.state, r.rack ?? '-', r.endpoint, r.kafkaEndpoint ?? '-', String(r.partitions), String(r.leaders)]),
  ];
  const widths = table[0]!.map((_, column) => Math.max(...table.map((row) => row[column]!.length)));
  return table.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n');
}
