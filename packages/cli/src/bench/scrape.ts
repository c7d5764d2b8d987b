import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { QuillError } from '@quill/client';

/** Deadline of one scrape: Prometheus' default scrape_timeout. */
export const SCRAPE_TIMEOUT_MS = 10_000;

export interface Scrape {
  url: string;
  ms: number;
  bytes: number;
  text: string;
}

/**
 * One GET of a /metrics URL, timed from the request to the last byte of the answer; node:http,
 * so a scraper can keep one connection per target alive (an `agent` with keepAlive) as a
 * Prometheus does.
 */
export function scrape(url: string, agent?: http.Agent): Promise<Scrape> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const request = http.get(url, { signal: AbortSignal.timeout(SCRAPE_TIMEOUT_MS), ...(agent === undefined ? {} : { agent }) }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const body = Buffer.concat(chunks);
        const ms = performance.now() - started;
        if (response.statusCode !== 200) reject(new QuillError('NETWORK_EXCEPTION', `scrape of ${url} answered ${response.statusCode}`));
        else resolve({ url, ms, bytes: body.length, text: body.toString('utf8') });
      });
    });
    request.on('error', reject);
  });
}

export interface Scraper {
  /** Stops scraping, waits for the scrapes under way, and tells how many there were. */
  stop(): Promise<{ scrapes: number; failures: number }>;
}

/** When, within each interval, the scrapes of `targets` targets start: spread evenly, the first at 0. */
export function scrapeOffsetsMs(targets: number, intervalMs: number): number[] {
  return Array.from({ length: targets }, (_, i) => Math.floor((i * intervalMs) / targets));
}

/**
 * Scrapes every URL every `intervalMs` until stopped, as a Prometheus would: over kept-alive
 * connections, each target at its own offset within the interval rather than all at once. A
 * failed scrape is counted, not thrown.
 */
export function startScraping(urls: readonly string[], intervalMs: number): Scraper {
  let scrapes = 0;
  let failures = 0;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const running = new Set<Promise<void>>();
  const scrapeOne = (url: string): void => {
    const one = scrape(url, agent).then(
      () => void scrapes++,
      () => void failures++,
    );
    running.add(one);
    void one.finally(() => running.delete(one));
  };
  const timers: NodeJS.Timeout[] = [];
  const offsets = scrapeOffsetsMs(urls.length, intervalMs);
  urls.forEach((url, i) => {
    timers.push(
      setTimeout(() => {
        scrapeOne(url);
        timers.push(setInterval(() => scrapeOne(url), intervalMs));
      }, offsets[i]),
    );
  });
  return {
    async stop() {
      for (const timer of timers) clearTimeout(timer);
      await Promise.all(running);
      agent.destroy();
      return { scrapes, failures };
    },
  };
}

/**
 * startScraping in a child process (scraper-process), resolved once it scrapes. A Prometheus is a
 * process of its own: scraping from the benchmark's own event loop would charge the scraper's
 * CPU (about 2 ms per scrape) to the producer whose throughput is measured. The child runs as
 * this module does: compiled, or from sources through tsx.
 */
export async function startScrapingProcess(urls: readonly string[], intervalMs: number): Promise<Scraper> {
  const here = fileURLToPath(import.meta.url);
  const entry = path.join(path.dirname(here), `scraper-process${path.extname(here)}`);
  const fromSources = entry.endsWith('.ts') ? ['--conditions=source', '--import', import.meta.resolve('tsx')] : [];
  const child = spawn(process.execPath, [...fromSources, entry, String(intervalMs), ...urls], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done === true || first.value !== 'ready') {
    child.kill();
    throw new QuillError('UNKNOWN_SERVER_ERROR', `the scraper process did not start (it said '${first.value ?? ''}').`);
  }
  let stopped: Promise<{ scrapes: number; failures: number }> | undefined;
  return {
    stop() {
      stopped ??= (async () => {
        child.stdin.end();
        const counted = await lines.next();
        await exited;
        return JSON.parse(counted.done === true ? '{"scrapes":0,"failures":0}' : counted.value) as { scrapes: number; failures: number };
      })();
      return stopped;
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
