import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Sources run directly: every package exports a "source" condition pointing at src/index.ts.
const resolveSource = { conditions: ['source'] };

export default defineConfig({
  resolve: resolveSource,
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    // One worker per core (vitest's default leaves one core idle): on two cores the unit files
    // finish in about 60% of the time. The cluster tests still run one file at a time.
    maxWorkers: availableParallelism(),
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts'],
          // Unit tests first; the cluster tests then get both cores to themselves.
          sequence: { groupOrder: 0 },
          testTimeout: 60_000,
          // Files share the worker's module cache instead of importing every package again (the
          // imports were a third of the unit run); tests keep no module state between files.
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          // Tests that start processes or clusters: one file at a time on two cores.
          name: 'integration',
          include: ['test/**/*.test.ts', 'docs/examples/**/*.test.ts'],
          sequence: { groupOrder: 1 },
          fileParallelism: false,
          // As for the unit files: one import of the packages for all the cluster test files.
          isolate: false,
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
