import type { Group } from '../api.js';
import { usePolled } from '../use-polled.js';
import { Status } from '../shown-value.js';

/** Consumer groups: state, members with their assignment, committed offsets and lag per partition. */
export function GroupsPage() {
  const groups = usePolled<Group[]>('/api/groups');
  return (
    <section>
      <h2>Consumer groups</h2>
      <Status error={groups.error} loading={groups.data === undefined} />
      {groups.data?.length === 0 && <p class="muted">No groups.</p>}
      {groups.data?.map((g) => (
        <div key={g.groupId} data-group={g.groupId}>
          <h2>
            {g.groupId} <span class="badge">{g.state}</span> <span class="badge">total lag {g.offsets.reduce((sum, o) => sum + Math.max(0, o.lag), 0)}</span>
          </h2>
          <table>
            <thead>
              <tr><th>Member</th><th>Client</th><th>Host</th><th>Assignment</th></tr>
            </thead>
            <tbody>
              {g.members.length === 0 && (
                <tr><td colSpan={4} class="muted">no members</td></tr>
              )}
              {g.members.map((m) => (
                <tr key={m.memberId}>
                  <td>{m.memberId}</td>
                  <td>{m.clientId}</td>
                  <td>{m.clientHost}</td>
                  <td>{m.assignment.map((a) => `${a.topic}-${a.partition}`).join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <table class="lag">
            <thead>
              <tr><th>Topic</th><th>Partition</th><th>Committed</th><th>End offset</th><th>Lag</th></tr>
            </thead>
            <tbody>
              {g.offsets.map((o) => (
                <tr key={`${o.topic}-${o.partition}`} data-lag={`${o.topic}-${o.partition}`}>
                  <td>{o.topic}</td>
                  <td>{o.partition}</td>
                  <td>{o.offset < 0 ? 'none' : o.offset}</td>
                  <td>{o.high}</td>
                  <td>{o.lag < 0 ? 'unknown' : o.lag}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
    </section>
  );
}
