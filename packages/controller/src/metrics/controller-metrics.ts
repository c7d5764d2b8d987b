import { Gauge, Registry } from '@quill/metrics';
import type { ControllerSamples } from './controller-samples.js';

/** One controller's metrics in a registry of its own, every value read from `samples` (and `grpcConnections`) when scraped. */
export function controllerMetricsRegistry(samples: () => ControllerSamples, grpcConnections: () => Promise<number>): Registry {
  const registry = new Registry();
  const registers = [registry];
  let current: ControllerSamples | undefined;
  const read = (): ControllerSamples => (current ??= samples());
  // The first gauge of a scrape takes fresh samples; the others read the same ones.
  new Gauge({ name: 'quill_controller_active', help: '1 on the active controller (the Raft leader serving requests), 0 elsewhere', registers, collect() { current = samples(); this.set(current.active ? 1 : 0); } });
  const scalar = (name: string, help: string, value: (s: ControllerSamples) => number): void => {
    new Gauge({ name, help, registers, collect() { this.set(value(read())); } });
  };
  scalar('quill_raft_term', 'Current Raft term of this controller', (s) => s.term);
  scalar('quill_raft_commit_index', 'Highest metadata log index known committed', (s) => s.commitIndex);
  scalar('quill_raft_applied_index', 'Highest metadata log index applied to the metadata state', (s) => s.appliedIndex);
  scalar('quill_registered_brokers', 'Brokers registered in the metadata', (s) => s.registeredBrokers);
  scalar('quill_fenced_brokers', 'Registered brokers currently fenced', (s) => s.fencedBrokers);
  scalar('quill_metadata_log_entries', 'Entries in the metadata log since its last snapshot', (s) => s.metadataLogEntries);
  scalar('quill_metadata_log_size_bytes', 'Stored bytes of the metadata log entries since its last snapshot', (s) => s.metadataLogBytes);
  scalar('quill_metadata_snapshot_size_bytes', 'Bytes of the metadata log snapshot state', (s) => s.metadataSnapshotBytes);
  new Gauge({ name: 'quill_connections', help: 'Open client connections on each listener', labelNames: ['listener'], registers, async collect() { this.set({ listener: 'grpc' }, await grpcConnections()); } });
  new Gauge({
    name: 'quill_raft_voter_lag', help: 'Entries each voter is behind the leader (reported by the leader only)', labelNames: ['voter'], registers,
    collect() {
      this.reset();
      for (const { voter, lag } of read().voterLag) this.set({ voter: String(voter) }, lag);
    },
  });
  return registry;
}
