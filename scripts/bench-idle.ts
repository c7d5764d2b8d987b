// Idle cost of a cluster: starts 3 controllers and 3 brokers as processes, waits for them to
// settle, then reports each process's CPU use (from /proc/<pid>/stat) over `--seconds` with
// nothing to do, as a percentage of one core.
//   node --conditions=source --import tsx scripts/bench-idle.ts [--seconds 10] [--settle 3] [--json]
// QUILL_NODE_ARGS passes node options to the nodes (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof).
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProcessCluster } from '@quill/testing';

const CLOCK_TICKS_PER_SECOND = 100;

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1]! : fallback;
}

/** utime + stime of a process (fields 14 and 15), in seconds. */
function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

const seconds = Number(option('seconds', '10'));
const settle = Number(option('settle', '3'));
const json = process.argv.includes('--json');
const loadBefore = fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0];

const cluster = await ProcessCluster.start({ brokers: 3, controllers: 3, clusterId: 'quill-bench-idle', logLevel: 'warn' });
try {
  await sleep(settle * 1000);
  const nodes = [...cluster.nodes.values()].map((n) => ({ id: n.id, roles: n.roles.join('+'), pid: n.process.pid! }));
  const before = nodes.map((n) => cpuSeconds(n.pid));
  const wallStart = performance.now();
  await sleep(seconds * 1000);
  const wall = (performance.now() - wallStart) / 1000;
  const perNode = nodes.map((n, i) => ({ ...n, corePercent: Number((((cpuSeconds(n.pid) - before[i]!) / wall) * 100).toFixed(1)) }));
  const total = (role: string) => Number(perNode.filter((n) => n.roles === role).reduce((s, n) => s + n.corePercent, 0).toFixed(1));
  const result = { seconds: Number(wall.toFixed(1)), controllers: total('controller'), brokers: total('broker'), perNode, load: [loadBefore, fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0]] };
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    for (const n of perNode) process.stdout.write(`${n.roles} ${n.id}: ${n.corePercent}% of a core\n`);
    process.stdout.write(`controllers ${result.controllers}%, brokers ${result.brokers}% over ${result.seconds} s, load ${result.load.join(' -> ')}\n`);
  }
} finally {
  await cluster.stop();
}
