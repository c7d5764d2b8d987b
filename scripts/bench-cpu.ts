// CPU cost of the produce path, robust to other load on the machine: starts 3 controllers and 3
// brokers as processes, then runs `quill bench produce --bootstrap` against them `--runs` times and
// reports, per run, the CPU time the brokers, controllers and benchmark client used (from
// /proc/<pid>/stat, startup excluded) divided by the MB acknowledged, next to the throughput.
//   node --conditions=source --import tsx scripts/bench-cpu.ts [--record-size 1024] [--records 3000000]
//     [--duration 8] [--partitions 12] [--runs 3] [--flush-policy group-commit] [--producers 1] [--json]
// QUILL_NODE_ARGS passes node options to the cluster's nodes, BENCH_NODE_ARGS to the benchmark client.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ProcessCluster, REPO_ROOT } from '@quill/testing';

const CLOCK_TICKS_PER_SECOND = 100;

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1]! : fallback;
}

/**
 * utime + stime of a process (fields 14 and 15) or, with `children`, cutime + cstime (16, 17), in
 * seconds; with `kernelOnly`, stime (or cstime) alone.
 */
function cpuSeconds(pid: number | 'self', children = false, kernelOnly = false): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const at = children ? 13 : 11;
  return ((kernelOnly ? 0 : Number(fields[at])) + Number(fields[at + 1])) / CLOCK_TICKS_PER_SECOND;
}

/** Peak resident set of a process since it started (VmHWM), in MB. */
function peakRssMb(pid: number): number {
  const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
  return Math.round(Number(line?.split(/\s+/)[1] ?? 0) / 1024);
}

function runBench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // BENCH_NODE_ARGS: node options for the benchmark client process (e.g. --cpu-prof), as QUILL_NODE_ARGS is for the nodes.
    const nodeArgs = (process.env['BENCH_NODE_ARGS'] ?? '').split(' ').filter((a) => a.length > 0);
    const child = spawn(process.execPath, [...nodeArgs, '--conditions=source', '--import', 'tsx', path.join(REPO_ROOT, 'packages/cli/src/main.ts'), ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const recordSize = option('record-size', '1024');
const records = option('records', '3000000');
const duration = option('duration', '8');
const partitions = option('partitions', '12');
const producers = option('producers', '1');
const runs = Number(option('runs', '3'));
const flushPolicy = option('flush-policy', 'group-commit');
const json = process.argv.includes('--json');

const cluster = await ProcessCluster.start({ brokers: 3, controllers: 3, clusterId: 'quill-bench-cpu', logLevel: 'warn', brokerArgs: ['--flush-policy', flushPolicy] });
const results = [];
try {
  const nodes = [...cluster.nodes.values()];
  const pidsOf = (role: 'broker' | 'controller') => nodes.filter((n) => n.roles.includes(role)).map((n) => n.process.pid!);
  const sum = (pids: number[], kernelOnly = false) => pids.reduce((total, pid) => total + cpuSeconds(pid, false, kernelOnly), 0);
  for (let run = 0; run < runs; run++) {
    const before = { brokers: sum(pidsOf('broker')), brokersKernel: sum(pidsOf('broker'), true), controllers: sum(pidsOf('controller')), client: cpuSeconds('self', true) };
    const wallStart = performance.now();
    const bench = await runBench([
      'bench', 'produce', '--bootstrap', cluster.bootstrap.join(','), '--json', '--topic', `cpu-${run}`,
      '--record-size', recordSize, '--records', records, '--duration', duration, '--partitions', partitions, '--producers', producers,
    ]);
    const wallSeconds = (performance.now() - wallStart) / 1000;
    if (bench.code !== 0) throw new Error(`bench produce failed (${bench.code}): ${bench.stderr.slice(-2000)}`);
    const report = JSON.parse(bench.stdout) as { bytes: number; records: number; recordsPerSec: number; mbPerSec: number; latencyMs: { p50: number; p99: number } };
    const used = {
      brokers: sum(pidsOf('broker')) - before.brokers,
      brokersKernel: sum(pidsOf('broker'), true) - before.brokersKernel,
      controllers: sum(pidsOf('controller')) - before.controllers,
      client: cpuSeconds('self', true) - before.client,
    };
    const mb = report.bytes / 1e6;
    const perMb = (seconds: number) => Math.round((seconds * 1000) / mb);
    const result = {
      run,
      mb: Math.round(mb),
      recordsPerSec: Math.round(report.recordsPerSec),
      mbPerSec: Number(report.mbPerSec.toFixed(1)),
      p99Ms: report.latencyMs.p99,
      cpuMsPerMb: { total: perMb(used.brokers + used.controllers + used.client), brokers: perMb(used.brokers), brokersKernel: perMb(used.brokersKernel), controllers: perMb(used.controllers), client: perMb(used.client) },
      cpuSeconds: { brokers: Number(used.brokers.toFixed(2)), controllers: Number(used.controllers.toFixed(2)), client: Number(used.client.toFixed(2)), wall: Number(wallSeconds.toFixed(1)) },
      brokerPeakRssMb: Math.max(...pidsOf('broker').map(peakRssMb)),
      load: fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0],
    };
    results.push(result);
    if (!json) {
      process.stdout.write(
        `run ${run}: ${result.recordsPerSec} rec/s ${result.mbPerSec} MB/s p99 ${result.p99Ms} ms | CPU-ms/MB total ${result.cpuMsPerMb.total} ` +
          `(brokers ${result.cpuMsPerMb.brokers} of which kernel ${result.cpuMsPerMb.brokersKernel}, controllers ${result.cpuMsPerMb.controllers}, client ${result.cpuMsPerMb.client}) | broker peak RSS ${result.brokerPeakRssMb} MB | ${result.mb} MB, load ${result.load}\n`,
      );
    }
  }
} finally {
  await cluster.stop();
}
if (json) process.stdout.write(`${JSON.stringify({ recordSize, partitions, producers, flushPolicy, results })}\n`);
