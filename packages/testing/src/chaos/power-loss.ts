import { SeededRandom, type Random } from '@quill/random';

/**
 * The shapes of a power loss: the whole cluster at once, one node, or a subset of at least two
 * nodes losing power one after another (a rack's supplies failing in turn).
 */
export const POWER_LOSS_SHAPES = ['all', 'one', 'staggered'] as const;
export type PowerLossShape = (typeof POWER_LOSS_SHAPES)[number];

/** Time between two nodes of a staggered power loss (uniform in [min, max]). */
export const POWER_LOSS_STAGGER_MS = { min: 100, max: 500 } as const;

/** One node losing power, `atMs` after the fault starts. */
export interface PowerCut {
  id: number;
  atMs: number;
}

/** Which nodes lose power, in which order and when (pure: `pick`, a seeded number in [0, 1), decides). */
export function planPowerLoss(shape: PowerLossShape, nodes: readonly number[], pick: number): PowerCut[] {
  const random = new SeededRandom(Math.floor(pick * 2 ** 31));
  const sorted = [...nodes].sort((a, b) => a - b);
  switch (shape) {
    case 'all':
      return sorted.map((id) => ({ id, atMs: 0 }));
    case 'one':
      return [{ id: random.pick(sorted), atMs: 0 }];
    case 'staggered': {
      const order = shuffle(sorted, random).slice(0, random.int(Math.min(2, sorted.length), sorted.length));
      let atMs = 0;
      return order.map((id, i) => {
        if (i > 0) atMs += random.int(POWER_LOSS_STAGGER_MS.min, POWER_LOSS_STAGGER_MS.max);
        return { id, atMs };
      });
    }
  }
}

/** Parses `all,one,staggered`; throws on an unknown shape. */
export function parsePowerLossShapes(text: string): PowerLossShape[] {
  const names = text.split(',').map((n) => n.trim()).filter((n) => n.length > 0);
  for (const name of names) {
    if (!(POWER_LOSS_SHAPES as readonly string[]).includes(name)) throw new RangeError(`unknown power-loss shape '${name}' (known: ${POWER_LOSS_SHAPES.join(', ')})`);
  }
  return names as PowerLossShape[];
}

function shuffle<T>(items: readonly T[], random: Random): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
