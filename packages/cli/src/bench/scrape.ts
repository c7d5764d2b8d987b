import { QuillError } from '@quill/client';

/** Deadline of one scrape: Prometheus' default scrape_timeout. */
export const SCRAPE_TIMEOUT_MS = 10_000;

export interface Scrape {
  url: string;
  ms: number;
  bytes: number;
  text: string;
}

/** One GET of a /metrics URL, timed from the request to the last byte of the answer. */
export async function scrape(url: string): Promise<Scrape> {
  const started = performance.now();
  const response = await fetch(url, { signal: AbortSignal.timeout(SCRAPE_TIMEOUT_MS) });
  const text = await response.text();
  const ms = performance.now() - started;
  if (!response.ok) throw new QuillError('NETWORK_EXCEPTION', `scrape of ${url} answered ${response.status}`);
  return { url, ms, bytes: Buffer.byteLength(text), text };
}

export interface Scraper {
  /** Stops scraping, waits for the scrapes under way, and tells how many there were. */
  stop(): Promise<{ scrapes: number; failures: number }>;
}

/** Scrapes every URL every `intervalMs` (as a Prometheus would) until stopped; a failed scrape is counted, not thrown. */
export function startScraping(urls: readonly string[], intervalMs: number): Scraper {
  let scrapes = 0;
  let failures = 0;
  const running = new Set<Promise<void>>();
  const round = (): void => {
    for (const url of urls) {
      const one = scrape(url).then(
        () => void scrapes++,
        () => void failures++,
      );
      running.add(one);
      void one.finally(() => running.delete(one));
    }
  };
  round();
  const timer = setInterval(round, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all(running);
      return { scrapes, failures };
    },
  };
}

/** A sample line of the text exposition format: its metric name, labels and value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL_PAIR = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** The samples of a /metrics answer (comment and blank lines skipped). */
export function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE_LINE.exec(line);
    if (match === null) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL_PAIR)) labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}
