import v8 from 'node:v8';

/**
 * V8's heap growing factor for broker processes: the old generation may grow to (1 + p/100)
 * times what survived the last full GC before the next one starts.
 *
 * Why: a broker keeps a small live heap (about 25 MB) while requests, fetches and their buffers
 * pass through it quickly. With V8's default factor, the limit it sets after a full GC sits only
 * a few MB above the live heap, below the young generation's capacity, so the next full GC
 * (Mark-Compact) starts almost at once: 14 to 42 of them per broker in an 8 s run of the 1 KiB
 * produce benchmark, each freeing about 1.5 MB, a fifth of the broker's CPU. At 300 the same run
 * has 2 per broker, and RSS stays under 200 MB (docs/benchmarks/round-1.md, "Where the time goes").
 */
export const BROKER_HEAP_GROWING_PERCENT = 300;

/**
 * Applies the broker's GC setting to this process. It is process-wide, so it is for processes
 * that run a broker (`quill broker start`, `quill node start`), not for libraries embedding one.
 */
export function tuneGarbageCollectionForBroker(heapGrowingPercent = BROKER_HEAP_GROWING_PERCENT): void {
  v8.setFlagsFromString(`--heap-growing-percent=${heapGrowingPercent}`);
}
