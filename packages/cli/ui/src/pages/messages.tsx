import { useEffect, useState } from 'preact/hooks';
import { get, type Browse } from '../api.js';
import { ShownValue, Status } from '../shown-value.js';

/**
 * The message browser: one partition from an offset or a time, a bounded count. The query
 * (topic, partition, offset or timestamp, limit) lives in the URL, so a view can be linked.
 */
export function MessagesPage({ query, navigate }: { query: URLSearchParams; navigate: (q: URLSearchParams) => void }) {
  const [browse, setBrowse] = useState<{ data?: Browse; error?: string }>({});
  const topic = query.get('topic') ?? '';
  const search = query.toString();
  useEffect(() => {
    setBrowse({});
    if (topic === '') return;
    let live = true;
    get<Browse>(`/api/messages?${search}`).then(
      (data) => live && setBrowse({ data }),
      (error: unknown) => live && setBrowse({ error: String(error) }),
    );
    return () => void (live = false);
  }, [search, topic]);

  const onSubmit = (event: Event): void => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const next = new URLSearchParams();
    for (const name of ['topic', 'partition', 'limit']) next.set(name, String(form.get(name) ?? ''));
    const from = String(form.get('from') ?? '');
    if (form.get('fromKind') === 'time') next.set('timestamp', String(Date.parse(from)));
    else next.set('offset', from === '' ? '0' : from);
    navigate(next);
  };

  return (
    <section>
      <h2>Messages</h2>
      <form id="browse" onSubmit={onSubmit}>
        <label>
          Topic
          <input name="topic" value={topic} required />
        </label>
        <label>
          Partition
          <input name="partition" type="number" min={0} value={query.get('partition') ?? '0'} />
        </label>
        <label>
          From
          <select name="fromKind" value={query.has('timestamp') ? 'time' : 'offset'}>
            <option value="offset">offset</option>
            <option value="time">time (ISO, e.g. 2026-01-01T00:00:00Z)</option>
          </select>
        </label>
        <label>
          Offset or time
          <input name="from" value={query.get('offset') ?? (query.has('timestamp') ? new Date(Number(query.get('timestamp'))).toISOString() : '0')} />
        </label>
        <label>
          Messages
          <input name="limit" type="number" min={1} value={query.get('limit') ?? '50'} />
        </label>
        <button type="submit">Browse</button>
      </form>
      {topic !== '' && <Status error={browse.error} loading={browse.data === undefined && browse.error === undefined} />}
      {browse.data && (
        <>
          <p class="muted">
            Partition offsets {browse.data.low}–{browse.data.high}; {browse.data.messages.length} shown.
          </p>
          <table id="messages">
            <thead>
              <tr><th>Offset</th><th>Time</th><th>Key</th><th>Value</th><th>Headers</th></tr>
            </thead>
            <tbody>
              {browse.data.messages.map((m) => (
                <tr key={m.offset} data-offset={m.offset}>
                  <td>{m.offset}</td>
                  <td>{new Date(m.timestamp).toISOString()}</td>
                  <td class="key"><ShownValue shown={m.key} /></td>
                  <td class="value"><ShownValue shown={m.value} /></td>
                  <td class="headers">
                    {m.headers.map((h, i) => (
                      <div key={i}>
                        <strong>{h.name}</strong>: <ShownValue shown={h.value} />
                      </div>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
