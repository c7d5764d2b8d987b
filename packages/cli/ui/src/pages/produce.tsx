import { useState } from 'preact/hooks';
import { post } from '../api.js';

/** Headers as typed: one `name: value` per line. */
function parseHeaders(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf(':');
    if (at > 0) headers[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return headers;
}

/** Sends one test message (key, value, headers as text) and says where it went. */
export function ProducePage({ query }: { query: URLSearchParams }) {
  const [result, setResult] = useState<{ done?: string; error?: string }>({});
  const onSubmit = (event: Event): void => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const partition = String(form.get('partition') ?? '');
    const key = String(form.get('key') ?? '');
    setResult({});
    post<{ partition: number; offset: number }>('/api/produce', {
      topic: String(form.get('topic') ?? ''),
      ...(partition === '' ? {} : { partition: Number(partition) }),
      key: key === '' ? null : key,
      value: String(form.get('value') ?? ''),
      headers: parseHeaders(String(form.get('headers') ?? '')),
    }).then(
      (sent) => setResult({ done: `Sent to partition ${sent.partition} at offset ${sent.offset}.` }),
      (error: unknown) => setResult({ error: String(error) }),
    );
  };
  return (
    <section>
      <h2>Produce a test message</h2>
      <form id="produce" onSubmit={onSubmit}>
        <label>
          Topic
          <input name="topic" value={query.get('topic') ?? ''} required />
        </label>
        <label>
          Partition (empty: by key)
          <input name="partition" type="number" min={0} />
        </label>
        <label>
          Key
          <input name="key" />
        </label>
        <label>
          Value
          <textarea name="value" rows={3} cols={40} />
        </label>
        <label>
          Headers (name: value per line)
          <textarea name="headers" rows={3} cols={30} />
        </label>
        <button type="submit">Send</button>
      </form>
      {result.done !== undefined && <p id="produced">{result.done}</p>}
      {result.error !== undefined && <p class="error">{result.error}</p>}
    </section>
  );
}
