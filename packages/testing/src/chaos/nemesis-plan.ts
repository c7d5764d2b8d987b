import { SeededRandom } from '@quill/random';
import { POWER_LOSS_SHAPES, type PowerLossShape } from './power-loss.js';

/** The fault families `quill chaos --faults` accepts (`all` stands for every one). */
export const FAULT_KINDS = ['kill', 'pause', 'partition', 'controller', 'power-loss', 'rolling-restart', 'leader-move', 'isr-churn', 'topic-churn', 'fsync-fail'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
/** The `--faults` name for every kind. */
export const ALL_FAULTS = 'all';

/**
 * One fault as planned. Targets that depend on the live cluster (the leader of a partition, the
 * active controller) are resolved when the fault starts, with `pick` (a seeded number in [0, 1))
 * choosing among the candidates, so one seed gives one schedule.
 */
export type PlannedFault =
  | { kind: 'kill'; startAt: number; endAt: number; pick: number }
  | { kind: 'pause'; startAt: number; endAt: number; pick: number }
  | { kind: 'partition'; variant: 'halves' | 'isolate-leader'; startAt: number; endAt: number; pick: number }
  | { kind: 'controller'; variant: 'kill' | 'pause' | 'isolate'; startAt: number; endAt: number; pick: number }
  | { kind: 'power-loss'; variant: PowerLossShape; startAt: number; endAt: number; pick: number }
  | { kind: 'rolling-restart' | 'leader-move' | 'isr-churn' | 'topic-churn' | 'fsync-fail'; startAt: number; endAt: number; pick: number };

export interface NemesisPlanOptions {
  seed: number;
  /** Length of the workload; no fault starts after it, and every fault ends by then. */
  durationMs: number;
  kinds: readonly FaultKind[];
  /** Quiet time before the first fault and between faults (uniform in [min, max]). */
  quietMsMin?: number;
  quietMsMax?: number;
  /** How long a fault lasts before it is healed (uniform in [min, max]). */
  faultMsMin?: number;
  faultMsMax?: number;
  /** The shapes a `power-loss` fault takes (default: all of them). */
  powerLossShapes?: readonly PowerLossShape[];
}

/** Defaults sized for a 60 s run on a small machine: about six faults, each long enough to fail over. */
export const DEFAULT_NEMESIS_TIMING = {
  quietMsMin: 2_000,
  quietMsMax: 5_000,
  faultMsMin: 3_000,
  faultMsMax: 8_000,
} as const;

/** A seeded schedule of faults, one at a time, each followed by a quiet period (pure). */
export function planFaults(options: NemesisPlanOptions): PlannedFault[] {
  if (options.kinds.length === 0) return [];
  const timing = { ...DEFAULT_NEMESIS_TIMING, ...definedOnly(options) };
  const random = new SeededRandom(options.seed);
  const kinds = [...new Set(options.kinds)].sort();
  const plan: PlannedFault[] = [];
  let time = random.int(timing.quietMsMin, timing.quietMsMax);
  for (;;) {
    const length = random.int(timing.faultMsMin, timing.faultMsMax);
    if (time + length > options.durationMs) break;
    const kind = random.pick(kinds);
    const window = { startAt: time, endAt: time + length, pick: random.next() };
    switch (kind) {
      case 'kill':
      case 'pause':
      case 'rolling-restart':
      case 'leader-move':
      case 'isr-churn':
      case 'topic-churn':
      case 'fsync-fail':
        plan.push({ kind, ...window });
        break;
      case 'partition':
        plan.push({ kind, variant: random.pick(['halves', 'isolate-leader'] as const), ...window });
        break;
      case 'controller':
        plan.push({ kind, variant: random.pick(['kill', 'pause', 'isolate'] as const), ...window });
        break;
      case 'power-loss':
        plan.push({ kind, variant: random.pick(options.powerLossShapes ?? POWER_LOSS_SHAPES), ...window });
        break;
    }
    time += length + random.int(timing.quietMsMin, timing.quietMsMax);
  }
  return plan;
}

/** Parses `kill,pause,partition` (`all` is every kind); throws on an unknown name. */
export function parseFaultKinds(text: string): FaultKind[] {
  const names = text.split(',').map((n) => n.trim()).filter((n) => n.length > 0);
  const kinds: FaultKind[] = [];
  for (const name of names) {
    if (name === ALL_FAULTS) kinds.push(...FAULT_KINDS);
    else if ((FAULT_KINDS as readonly string[]).includes(name)) kinds.push(name as FaultKind);
    else throw new RangeError(`unknown fault '${name}' (known: ${FAULT_KINDS.join(', ')}, ${ALL_FAULTS})`);
  }
  return [...new Set(kinds)];
}

function definedOnly(options: NemesisPlanOptions): Partial<typeof DEFAULT_NEMESIS_TIMING> {
  const out: Record<string, number> = {};
  for (const name of ['quietMsMin', 'quietMsMax', 'faultMsMin', 'faultMsMax'] as const) {
    const value = options[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}
