import type { Shown } from './api.js';

/** A key, value or header: its text (escaped by Preact like all text), encoding and size, and whether it was cut. */
export function ShownValue({ shown }: { shown: Shown }) {
  if (shown.encoding === 'null') return <span class="muted">null</span>;
  return (
    <div>
      <pre data-encoding={shown.encoding}>{shown.text}</pre>
      <span class="muted">
        {shown.encoding} · {shown.size} B{shown.truncated ? ' · truncated' : ''}
      </span>
    </div>
  );
}

export function Status({ error, loading }: { error: string | undefined; loading: boolean }) {
  if (error !== undefined) return <p class="error">{error}</p>;
  return loading ? <p class="muted">Loading…</p> : null;
}
