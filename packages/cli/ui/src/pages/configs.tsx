import type { ConfigEntry } from '../api.js';
import { usePolled } from '../use-polled.js';
import { Status } from '../shown-value.js';

/** The configs of one topic or broker, named in the page's query (kind, name). */
export function ConfigsPage({ query, navigate }: { query: URLSearchParams; navigate: (q: URLSearchParams) => void }) {
  const kind = query.get('kind') === 'broker' ? 'broker' : 'topic';
  const name = query.get('name') ?? '';
  const configs = usePolled<ConfigEntry[]>(name === '' ? null : `/api/configs?${new URLSearchParams({ kind, name }).toString()}`);
  const onSubmit = (event: Event): void => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    navigate(new URLSearchParams({ kind: String(form.get('kind')), name: String(form.get('name')) }));
  };
  return (
    <section>
      <h2>Configs</h2>
      <form onSubmit={onSubmit}>
        <label>
          Kind
          <select name="kind" value={kind}>
            <option value="topic">topic</option>
            <option value="broker">broker</option>
          </select>
        </label>
        <label>
          Name (topic, or broker id)
          <input name="name" value={name} />
        </label>
        <button type="submit">Show</button>
      </form>
      {name !== '' && <Status error={configs.error} loading={configs.data === undefined} />}
      {configs.data && (
        <table id="configs">
          <thead>
            <tr><th>Name</th><th>Value</th><th>Source</th></tr>
          </thead>
          <tbody>
            {configs.data.map((c) => (
              <tr key={c.configName}>
                <td>{c.configName}</td>
                <td>{c.isSensitive ? '(sensitive)' : (c.configValue ?? '')}</td>
                <td>{c.configSource}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
