import { useEffect, useState } from 'preact/hooks';
import { get } from './api.js';

/** How often the pages read their data again. */
export const REFRESH_MS = 3_000;

export interface Polled<T> {
  data: T | undefined;
  error: string | undefined;
}

/** The answer of a GET, read again every REFRESH_MS while the page shows (null path: nothing to read). */
export function usePolled<T>(path: string | null): Polled<T> {
  const [state, setState] = useState<Polled<T>>({ data: undefined, error: undefined });
  useEffect(() => {
    setState({ data: undefined, error: undefined });
    if (path === null) return undefined;
    let live = true;
    const read = (): void => {
      get<T>(path).then(
        (data) => live && setState({ data, error: undefined }),
        (error: unknown) => live && setState((s) => ({ data: s.data, error: String(error) })),
      );
    };
    read();
    const timer = setInterval(read, REFRESH_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [path]);
  return state;
}
