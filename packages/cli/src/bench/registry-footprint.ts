import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Gauge, Registry } from '@quill/metrics';
import type { Sample } from './scrape.js';

/** V8's full collection, reached without --expose-gc on the command line. */
function collector(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function heapUsedAfterGc(gc: () => void): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/**
 * Heap bytes that a prom-client registry holding `samples` takes, with the text of one scrape of
 * it: the heap used after a full collection with the registry built, set and rendered, less the
 * heap used after one without it. Each sample becomes one series of a gauge named after it
 * (histogram buckets too), so the figure counts the series, their label sets and the rendering,
 * not the code computing the values.
 */
export async function registryFootprintBytes(samples: readonly Sample[]): Promise<number> {
  const gc = collector();
  const before = heapUsedAfterGc(gc);
  const registry = new Registry();
  const byName = new Map<string, Sample[]>();
  for (const sample of samples) byName.set(sample.name, [...(byName.get(sample.name) ?? []), sample]);
  for (const [name, family] of byName) {
    const labelNames = [...new Set(family.flatMap((s) => Object.keys(s.labels)))];
    const gauge = new Gauge({ name, help: name, labelNames, registers: [registry] });
    for (const s of family) gauge.set(s.labels, s.value);
  }
  const rendered = await registry.metrics();
  const after = heapUsedAfterGc(gc);
  // Kept reachable until measured.
  return rendered.length > 0 ? after - before : 0;
}
