import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eventually, freePort } from '@quill/test-support';

/** How often the test's Prometheus scrapes every node (also its scrape timeout). */
export const SCRAPE_INTERVAL_SECONDS = 1;
const READY_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5_000;

/** True when Debian's `prometheus` binary is on the PATH. */
export function prometheusInstalled(): boolean {
  return spawnSync('prometheus', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** A real Prometheus scraping `metricsUrls`, its data in a temp dir, queried through its HTTP API. */
export class PrometheusServer {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly url: string,
  ) {}

  static async start(metricsUrls: readonly string[]): Promise<PrometheusServer> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-prometheus-'));
    const targets = metricsUrls.map((u) => new URL(u).host);
    const config = [
      'global:',
      `  scrape_interval: ${SCRAPE_INTERVAL_SECONDS}s`,
      `  scrape_timeout: ${SCRAPE_INTERVAL_SECONDS}s`,
      'scrape_configs:',
      '  - job_name: quill',
      '    static_configs:',
      `      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]`,
      '',
    ].join('\n');
    fs.writeFileSync(path.join(dir, 'prometheus.yml'), config);
    const port = await freePort();
    const child = spawn('prometheus', [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], {
      stdio: ['ignore', 'ignore', fs.openSync(path.join(dir, 'prometheus.log'), 'w')],
    });
    const server = new PrometheusServer(child, dir, `http://127.0.0.1:${port}`);
    try {
      await eventually(async () => (await fetch(`${server.url}/-/ready`)).ok, { timeoutMs: READY_TIMEOUT_MS, intervalMs: 100, description: 'Prometheus ready' });
    } catch (error) {
      const log = fs.readFileSync(path.join(dir, 'prometheus.log'), 'utf8');
      await server.stop();
      throw new Error(`${(error as Error).message}\n${log.slice(-2000)}`);
    }
    return server;
  }

  /** The single value of an instant query, or undefined when it has no sample. */
  async value(query: string): Promise<number | undefined> {
    const response = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(query)}`);
    const body = (await response.json()) as { status: string; error?: string; data: { result: { value: [number, string] }[] } };
    if (body.status !== 'success') throw new Error(`query ${query} failed: ${body.error}`);
    const sample = body.data.result[0];
    return sample === undefined ? undefined : Number(sample.value[1]);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
