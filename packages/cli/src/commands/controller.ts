import path from 'node:path';
import { CONTROLLER_SECURITY_PROTOCOLS, ControllerNode, DEFAULT_CONTROLLER_CONFIG } from '@quill/controller';
import type { Argv } from 'yargs';
import { nodeLogger } from '../logger.js';
import { parseHostPort, parseVoters } from '../parse.js';
import { runUntilSignal } from '../run-until-signal.js';
import { authorizerConfig, authorizerOptions, grpcSslConfig, grpcSslOptions } from './node-security-options.js';

/** broker.session.timeout.ms, for `controller start` and `node start` with the controller role. */
export const brokerSessionTimeoutOption = {
  type: 'number',
  default: DEFAULT_CONTROLLER_CONFIG.brokerSessionTimeoutMs,
  describe: 'broker.session.timeout.ms: fence a broker silent this long (Kafka: 9000)',
} as const;

const MS_PER_SECOND = 1000;

/** Automatic preferred-leader rebalancing, for `controller start` and `node start` with the controller role. */
export const leaderBalanceOptions = {
  'auto-leader-rebalance-enable': {
    type: 'boolean',
    default: DEFAULT_CONTROLLER_CONFIG.autoLeaderRebalanceEnable,
    describe: 'auto.leader.rebalance.enable: the active controller gives leaderships back to preferred replicas',
  },
  'leader-imbalance-check-interval-seconds': {
    type: 'number',
    default: DEFAULT_CONTROLLER_CONFIG.leaderImbalanceCheckIntervalMs / MS_PER_SECOND,
    describe: 'leader.imbalance.check.interval.seconds: how often the leader balance is checked, fractions allowed (Kafka: 300)',
  },
  'leader-imbalance-per-broker-percentage': {
    type: 'number',
    default: DEFAULT_CONTROLLER_CONFIG.leaderImbalancePerBrokerPercentage,
    describe: 'leader.imbalance.per.broker.percentage: rebalance when others lead more than this share of the partitions a broker is preferred for',
  },
} as const;

/** The controller settings `leaderBalanceOptions` parsed into. */
export function leaderBalanceConfig(args: { autoLeaderRebalanceEnable: boolean; leaderImbalanceCheckIntervalSeconds: number; leaderImbalancePerBrokerPercentage: number }) {
  return {
    autoLeaderRebalanceEnable: args.autoLeaderRebalanceEnable,
    leaderImbalanceCheckIntervalMs: args.leaderImbalanceCheckIntervalSeconds * MS_PER_SECOND,
    leaderImbalancePerBrokerPercentage: args.leaderImbalancePerBrokerPercentage,
  };
}

export const metricsListenOption = { type: 'string', describe: 'host:port for HTTP GET /metrics, /healthz and /readyz (off when not given)' } as const;

/** `quill controller start`: one controller (Raft voter) process in the foreground. */
export function controllerCommand(yargs: Argv): Argv {
  return yargs.command('controller <action>', 'Run a controller (a voter of the metadata quorum)', (y) =>
    y
      .positional('action', { choices: ['start'] as const, describe: 'what to do' })
      .option('node-id', { type: 'number', demandOption: true, describe: 'this voter\'s id (as in --voters)' })
      .option('listen', { type: 'string', demandOption: true, describe: 'host:port to bind the gRPC server to' })
      .option('metrics-listen', metricsListenOption)
      .option('voters', { type: 'string', demandOption: true, describe: 'every voter: 1@host:port,2@host:port,3@host:port' })
      .option('data-dir', { type: 'string', demandOption: true, describe: 'where the Raft log and snapshots live' })
      .option('cluster-id', { type: 'string', default: 'quill-local', describe: 'nodes of one cluster share it; a data dir of another cluster is refused' })
      .option('broker-session-timeout-ms', brokerSessionTimeoutOption)
      .option('snapshot-after-entries', { type: 'number', default: DEFAULT_CONTROLLER_CONFIG.snapshotAfterEntries, describe: 'snapshot and compact the Raft log after this many entries' })
      .options(leaderBalanceOptions)
      .option('security-protocol', { choices: CONTROLLER_SECURITY_PROTOCOLS, default: DEFAULT_CONTROLLER_CONFIG.securityProtocol, describe: "security.protocol of the controller's port (Raft and the brokers); controllers call each other with it" })
      .options(grpcSslOptions)
      .options(authorizerOptions)
      .option('log-level', { type: 'string', describe: 'pino level (default info, or QUILL_LOG_LEVEL)' }),
    async (args) => {
      const logger = nodeLogger(args.logLevel);
      const node = await ControllerNode.start({
        nodeId: args.nodeId,
        clusterId: args.clusterId,
        listen: parseHostPort(args.listen, '--listen'),
        ...(args.metricsListen === undefined ? {} : { metricsListen: parseHostPort(args.metricsListen, '--metrics-listen') }),
        voters: parseVoters(args.voters),
        dataDir: path.resolve(args.dataDir),
        logger,
        brokerSessionTimeoutMs: args.brokerSessionTimeoutMs,
        snapshotAfterEntries: args.snapshotAfterEntries,
        ...leaderBalanceConfig(args),
        securityProtocol: args.securityProtocol,
        ...grpcSslConfig(args),
        ...authorizerConfig(args),
      });
      await runUntilSignal(() => node.stop());
    },
  );
}
