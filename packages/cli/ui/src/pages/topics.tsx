import type { Topic } from '../api.js';
import { usePolled } from '../use-polled.js';
import { Status } from '../shown-value.js';

/** Every topic with its partitions: leader, replicas, ISR and offsets (the log's start and end). */
export function TopicsPage() {
  const topics = usePolled<Topic[]>('/api/topics');
  return (
    <section>
      <h2>Topics</h2>
      <Status error={topics.error} loading={topics.data === undefined} />
      {topics.data?.map((t) => (
        <div key={t.name} data-topic={t.name}>
          <h2>
            {t.name} <span class="badge">{t.partitions.length} partitions</span>{' '}
            <span class="badge">{t.partitions.reduce((sum, p) => sum + Math.max(0, p.high - p.low), 0)} messages</span>{' '}
            <a href={`#/messages?topic=${encodeURIComponent(t.name)}`}>browse</a> · <a href={`#/configs?kind=topic&name=${encodeURIComponent(t.name)}`}>configs</a>
          </h2>
          <table>
            <thead>
              <tr><th>Partition</th><th>Leader</th><th>Replicas</th><th>ISR</th><th>Offline</th><th>Start offset</th><th>End offset</th><th>Messages</th></tr>
            </thead>
            <tbody>
              {t.partitions.map((p) => (
                <tr key={p.partition} data-partition={p.partition}>
                  <td>{p.partition}</td>
                  <td>{p.leader < 0 ? 'none' : p.leader}</td>
                  <td>{p.replicas.join(', ')}</td>
                  <td class={p.isr.length < p.replicas.length ? 'error' : ''}>{p.isr.join(', ')}</td>
                  <td>{p.offlineReplicas.join(', ')}</td>
                  <td>{p.low}</td>
                  <td>{p.high}</td>
                  <td>{Math.max(0, p.high - p.low)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
    </section>
  );
}
