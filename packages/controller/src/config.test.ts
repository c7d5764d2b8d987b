import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONTROLLER_CONFIG, resolveControllerConfig } from './config.js';

describe('controller config', () => {
  const required = {
    nodeId: 1,
    clusterId: 'c',
    listen: { host: '127.0.0.1', port: 9192 },
    voters: new Map([[1, { host: '127.0.0.1', port: 9192 }]]),
    dataDir: '/data',
    logger: pino({ level: 'silent' }),
  };

  it('fills every setting left out from the defaults', () => {
    const config = resolveControllerConfig(required);
    expect(config).toMatchObject({ ...DEFAULT_CONTROLLER_CONFIG, nodeId: 1 });
    expect(config.brokerSessionTimeoutMs).toBe(750);
    expect(config.seed).toBeUndefined();
  });

  it('keeps the settings given', () => {
    const config = resolveControllerConfig({ ...required, brokerSessionTimeoutMs: 9000, snapshotAfterEntries: 5, seed: 7 });
    expect(config.brokerSessionTimeoutMs).toBe(9000);
    expect(config.snapshotAfterEntries).toBe(5);
    expect(config.seed).toBe(7);
    expect(config.electionTicks).toBe(DEFAULT_CONTROLLER_CONFIG.electionTicks);
  });

  it('rebalances leaders by default every 10 s above 10% and refuses a check interval or percentage out of range', () => {
    expect(resolveControllerConfig(required)).toMatchObject({
      autoLeaderRebalanceEnable: true,
      leaderImbalanceCheckIntervalMs: 10_000,
      leaderImbalancePerBrokerPercentage: 10,
    });
    expect(() => resolveControllerConfig({ ...required, leaderImbalanceCheckIntervalMs: 0 })).toThrow(/leader.imbalance.check.interval must be positive/);
    expect(() => resolveControllerConfig({ ...required, leaderImbalancePerBrokerPercentage: 101 })).toThrow(/between 0 and 100/);
    expect(() => resolveControllerConfig({ ...required, leaderImbalancePerBrokerPercentage: Number.NaN })).toThrow(/between 0 and 100/);
  });
});
