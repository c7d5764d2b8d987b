import { describe, expect, it } from 'vitest';
import { alternatingSecuritySides, securityCostSizes, type SecurityCostRun } from './security-cost.js';

const run = (side: SecurityCostRun['side'], recordSize: number, produce: number, consume: number): SecurityCostRun => ({
  side,
  recordSize,
  produceRecordsPerSec: produce,
  produceMbPerSec: 0,
  consumeRecordsPerSec: consume,
  consumeMbPerSec: 0,
  consumeComplete: true,
});

describe('security-cost', () => {
  it('alternates which side starts each pair of clusters', () => {
    expect(alternatingSecuritySides(1)).toEqual(['plaintext', 'secure']);
    expect(alternatingSecuritySides(3)).toEqual(['plaintext', 'secure', 'secure', 'plaintext', 'plaintext', 'secure']);
  });

  it('gives each record size the median of each side and secure over plaintext', () => {
    const runs = [run('plaintext', 100, 1000, 4000), run('secure', 100, 800, 3000), run('plaintext', 100, 1200, 2000), run('secure', 100, 900, 1000), run('plaintext', 1024, 500, 100), run('secure', 1024, 500, 50)];
    const [small, large] = securityCostSizes(runs, [100, 1024]);
    expect(small).toEqual({ recordSize: 100, plaintextProduceRecordsPerSec: 1100, secureProduceRecordsPerSec: 850, produceRatio: 850 / 1100, plaintextConsumeRecordsPerSec: 3000, secureConsumeRecordsPerSec: 2000, consumeRatio: 2000 / 3000 });
    expect(large).toMatchObject({ produceRatio: 1, consumeRatio: 0.5 });
  });
});
