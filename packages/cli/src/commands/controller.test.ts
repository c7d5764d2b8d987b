import { DEFAULT_CONTROLLER_CONFIG } from '@quill/controller';
import yargs from 'yargs';
import { describe, expect, it } from 'vitest';
import { leaderBalanceConfig, leaderBalanceOptions } from './controller.js';

const parse = (argv: string[]) => leaderBalanceConfig(yargs(argv).strict().options(leaderBalanceOptions).parseSync());

describe('leader balance options', () => {
  it('default to the controller config', () => {
    expect(parse([])).toEqual({
      autoLeaderRebalanceEnable: DEFAULT_CONTROLLER_CONFIG.autoLeaderRebalanceEnable,
      leaderImbalanceCheckIntervalMs: DEFAULT_CONTROLLER_CONFIG.leaderImbalanceCheckIntervalMs,
      leaderImbalancePerBrokerPercentage: DEFAULT_CONTROLLER_CONFIG.leaderImbalancePerBrokerPercentage,
    });
  });

  it('take the check interval in seconds, fractions allowed, and the switch as true or false', () => {
    expect(parse(['--auto-leader-rebalance-enable', 'false', '--leader-imbalance-check-interval-seconds', '0.5', '--leader-imbalance-per-broker-percentage', '20'])).toEqual({
      autoLeaderRebalanceEnable: false,
      leaderImbalanceCheckIntervalMs: 500,
      leaderImbalancePerBrokerPercentage: 20,
    });
  });
});
