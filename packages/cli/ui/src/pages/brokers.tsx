import type { Broker, Quorum } from '../api.js';
import { usePolled } from '../use-polled.js';
import { Status } from '../shown-value.js';

interface Brokers {
  clusterId: string;
  controller: number;
  brokers: Broker[];
}

/** The brokers with their state and listeners, and the controller quorum. */
export function BrokersPage() {
  const brokers = usePolled<Brokers>('/api/brokers');
  const quorum = usePolled<Quorum>('/api/quorum');
  return (
    <section>
      <h2>Brokers {brokers.data && <span class="badge">cluster {brokers.data.clusterId}</span>}</h2>
      <Status error={brokers.error} loading={brokers.data === undefined} />
      {brokers.data && (
        <table id="brokers">
          <thead>
            <tr><th>Node</th><th>State</th><th>Epoch</th><th>Rack</th><th>Endpoints</th></tr>
          </thead>
          <tbody>
            {brokers.data.brokers.map((b) => (
              <tr key={b.nodeId} data-broker={b.nodeId}>
                <td>{b.nodeId}</td>
                <td class={`state-${b.state.split(' ')[0]}`}>{b.state}</td>
                <td>{b.epoch}</td>
                <td>{b.rack ?? '—'}</td>
                <td>{b.endpoints.map((e) => `${e.listenerName} ${e.host}:${e.port}`).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Controller quorum</h2>
      <Status error={quorum.error} loading={quorum.data === undefined} />
      {quorum.data && (
        <>
          <p>
            Leader <strong id="quorum-leader">{quorum.data.leaderId}</strong>, term {quorum.data.term}, high watermark {quorum.data.highWatermark}
          </p>
          <table id="quorum">
            <thead>
              <tr><th>Replica</th><th>Role</th><th>Log end</th><th>Lag</th><th>Last fetch</th></tr>
            </thead>
            <tbody>
              {[...quorum.data.voters.map((r) => ({ r, role: 'voter' })), ...quorum.data.observers.map((r) => ({ r, role: 'observer' }))].map(({ r, role }) => (
                <tr key={`${role}-${r.replicaId}`}>
                  <td>{r.replicaId}</td>
                  <td>{r.replicaId === quorum.data?.leaderId ? 'leader' : role}</td>
                  <td>{r.logEndOffset}</td>
                  <td>{r.lag}</td>
                  <td>{r.lastFetchTimestampMs < 0 ? 'never' : new Date(r.lastFetchTimestampMs).toISOString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
