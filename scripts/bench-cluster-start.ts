// Start time of the embeddable in-process test cluster (three controllers, three brokers), from the
// startCluster call to every broker unfenced: `node --conditions=source --import tsx scripts/bench-cluster-start.ts [runs]`.
import { startCluster } from '@quill/testing';

const runs = Number(process.argv[2] ?? 5);
const times: number[] = [];
for (let i = 0; i < runs; i++) {
  const started = performance.now();
  const cluster = await startCluster({ brokers: 3, controllers: 3 });
  times.push(Math.round(performance.now() - started));
  await cluster.stop();
}
process.stdout.write(`startCluster in process, ms per run: ${times.join(', ')}\n`);
