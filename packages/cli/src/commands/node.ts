import path from 'node:path';
import {
  BROKER_GRPC_SECURITY_PROTOCOLS,
  BrokerNode,
  DEFAULT_BROKER_CONFIG,
  checkSaslSessionLifetimeMs,
  KAFKA_SASL_MECHANISMS,
  KAFKA_SECURITY_PROTOCOLS,
  parseSaslMechanisms,
  tuneGarbageCollectionForBroker,
  type KafkaSecurityProtocol,
} from '@quill/broker';
import { ControllerNode } from '@quill/controller';
import { combinedReadiness, sharedProcessRegistry, startMetricsServer, type MetricsServer, type Registry } from '@quill/metrics';
import { QuillError } from '@quill/proto';
import { CLIENT_AUTH_MODES, type ClientAuth, type TlsConfig } from '@quill/security';
import type { Argv } from 'yargs';
import { nodeLogger } from '../logger.js';
import { parseAddressList, parseHostPort, parseVoters } from '../parse.js';
import { runUntilSignal } from '../run-until-signal.js';
import { brokerSessionTimeoutOption, leaderBalanceConfig, leaderBalanceOptions, metricsListenOption } from './controller.js';
import { authorizerConfig, authorizerOptions, controllerProtocolOf, grpcSslConfig, grpcSslOptions, tlsConfigOfFlags, type SslArgs } from './node-security-options.js';

const ROLES = ['broker', 'controller'] as const;

/** Options every broker takes, for `broker start` and `node start --roles broker,...`. */
function brokerOptions<T>(y: Argv<T>) {
  return y
    .option('listen', { type: 'string', demandOption: true, describe: 'host:port for the broker (clients and other brokers)' })
    .option('advertised', { type: 'string', describe: 'host:port others should connect to (default: --listen)' })
    .option('security-protocol', { choices: BROKER_GRPC_SECURITY_PROTOCOLS, default: DEFAULT_BROKER_CONFIG.securityProtocol, describe: "security.protocol of the gRPC port (clients, CLI, replication); nodes call each other with it" })
    .options(grpcSslOptions)
    .option('kafka-listen', { type: 'string', describe: 'host:port for Kafka wire-protocol clients (off when not given)' })
    .option('kafka-advertised-listener', { type: 'string', describe: 'host:port Kafka clients are told to connect to (default: --kafka-listen)' })
    .option('kafka-security-protocol', { choices: KAFKA_SECURITY_PROTOCOLS, default: DEFAULT_BROKER_CONFIG.kafkaSecurityProtocol, describe: "the Kafka listener's security protocol (listener.security.protocol.map)" })
    .option('kafka-ssl-certificate-location', { type: 'string', describe: "ssl.certificate.location of the Kafka listener: its PEM certificate (with --kafka-security-protocol SSL)" })
    .option('kafka-ssl-key-location', { type: 'string', describe: 'ssl.key.location of the Kafka listener: the PEM private key of that certificate' })
    .option('kafka-ssl-ca-location', { type: 'string', describe: 'ssl.ca.location of the Kafka listener: PEM CA certificates client certificates must chain to' })
    .option('kafka-ssl-client-auth', { choices: CLIENT_AUTH_MODES, default: 'none' as ClientAuth, describe: 'ssl.client.auth of the Kafka listener (as Kafka)' })
    .option('kafka-sasl-enabled-mechanisms', {
      type: 'string',
      describe: `sasl.enabled.mechanisms of the Kafka listener under SASL_PLAINTEXT or SASL_SSL, comma-separated from ${KAFKA_SASL_MECHANISMS.join(', ')} (default ${DEFAULT_BROKER_CONFIG.kafkaSaslEnabledMechanisms.join(',')})`,
    })
    .option('sasl-session-lifetime-ms', {
      type: 'number',
      coerce: checkSaslSessionLifetimeMs,
      describe: `sasl.session.lifetime.ms: how long a session token of the gRPC port's SASL authentication is valid (connections.max.reauth.ms's meaning; default ${DEFAULT_BROKER_CONFIG.saslSessionLifetimeMs})`,
    })
    .option('kafka-connection-failed-authentication-delay-ms', {
      type: 'number',
      describe: `connection.failed.authentication.delay.ms: how late a failed SASL authentication is answered (default ${DEFAULT_BROKER_CONFIG.kafkaFailedAuthenticationDelayMs})`,
    })
    .options(authorizerOptions)
    .option('metrics-listen', metricsListenOption)
    .option('data-dir', { type: 'string', demandOption: true })
    .option('cluster-id', { type: 'string', default: 'quill-local' })
    .option('rack', { type: 'string' })
    .option('replica-lag-time-max-ms', { type: 'number', describe: `replica.lag.time.max.ms (default ${DEFAULT_BROKER_CONFIG.replicaLagTimeMaxMs})` })
    .option('min-insync-replicas', { type: 'number', describe: `min.insync.replicas for topics that do not set it (default ${DEFAULT_BROKER_CONFIG.minInsyncReplicas})` })
    .option('auto-create-topics', { type: 'boolean', default: DEFAULT_BROKER_CONFIG.autoCreateTopicsEnable, describe: 'auto.create.topics.enable: create unknown topics on first use' })
    .option('default-replication-factor', { type: 'number', describe: `default.replication.factor for auto-created topics (default ${DEFAULT_BROKER_CONFIG.defaultReplicationFactor})` })
    .option('num-partitions', { type: 'number', describe: `num.partitions for auto-created topics (default ${DEFAULT_BROKER_CONFIG.numPartitions})` })
    .option('flush-policy', { choices: ['group-commit', 'every-batch', 'os'] as const, describe: `default ${DEFAULT_BROKER_CONFIG.flushPolicy} (durable acks)` })
    .option('peer-address-overrides', { type: 'string', describe: 'tests only: id@host:port,... to dial for those brokers/controllers (fault-injecting proxies)' })
    .option('log-level', { type: 'string' });
}

interface BrokerArgs extends SslArgs {
  nodeId: number;
  listen: string;
  advertised: string | undefined;
  securityProtocol: KafkaSecurityProtocol;
  kafkaListen: string | undefined;
  kafkaAdvertisedListener: string | undefined;
  kafkaSecurityProtocol: KafkaSecurityProtocol;
  kafkaSslCertificateLocation: string | undefined;
  kafkaSslKeyLocation: string | undefined;
  kafkaSslCaLocation: string | undefined;
  kafkaSslClientAuth: ClientAuth;
  kafkaSaslEnabledMechanisms: string | undefined;
  kafkaConnectionFailedAuthenticationDelayMs: number | undefined;
  saslSessionLifetimeMs: number | undefined;
  authorizer: boolean;
  superUsers: string | undefined;
  allowEveryoneIfNoAclFound: boolean;
  metricsListen: string | undefined;
  dataDir: string;
  clusterId: string;
  rack: string | undefined;
  replicaLagTimeMaxMs: number | undefined;
  minInsyncReplicas: number | undefined;
  flushPolicy: 'group-commit' | 'every-batch' | 'os' | undefined;
  autoCreateTopics: boolean;
  defaultReplicationFactor: number | undefined;
  numPartitions: number | undefined;
  peerAddressOverrides: string | undefined;
  logLevel: string | undefined;
}

/** `metrics: false` when another server (a combined node's) serves the broker's metrics. */
function startBroker(args: BrokerArgs, controllers: string[], metrics = true): Promise<BrokerNode> {
  tuneGarbageCollectionForBroker();
  return BrokerNode.start({
    nodeId: args.nodeId,
    clusterId: args.clusterId,
    listen: parseHostPort(args.listen, '--listen'),
    ...(args.advertised === undefined ? {} : { advertised: parseHostPort(args.advertised, '--advertised') }),
    ...(args.kafkaListen === undefined ? {} : { kafkaListen: parseHostPort(args.kafkaListen, '--kafka-listen') }),
    ...(args.kafkaAdvertisedListener === undefined ? {} : { kafkaAdvertised: parseHostPort(args.kafkaAdvertisedListener, '--kafka-advertised-listener') }),
    ...(args.metricsListen === undefined || !metrics ? {} : { metricsListen: parseHostPort(args.metricsListen, '--metrics-listen') }),
    kafkaSecurityProtocol: args.kafkaSecurityProtocol,
    ...kafkaSslConfig(args),
    ...(args.kafkaSaslEnabledMechanisms === undefined ? {} : { kafkaSaslEnabledMechanisms: parseSaslMechanisms(args.kafkaSaslEnabledMechanisms) }),
    ...(args.kafkaConnectionFailedAuthenticationDelayMs === undefined ? {} : { kafkaFailedAuthenticationDelayMs: args.kafkaConnectionFailedAuthenticationDelayMs }),
    securityProtocol: args.securityProtocol,
    ...(args.saslSessionLifetimeMs === undefined ? {} : { saslSessionLifetimeMs: args.saslSessionLifetimeMs }),
    ...grpcSslConfig(args),
    ...authorizerConfig(args),
    controllers,
    dataDir: path.resolve(args.dataDir),
    ...(args.rack === undefined ? {} : { rack: args.rack }),
    ...(args.replicaLagTimeMaxMs === undefined ? {} : { replicaLagTimeMaxMs: args.replicaLagTimeMaxMs }),
    ...(args.minInsyncReplicas === undefined ? {} : { minInsyncReplicas: args.minInsyncReplicas }),
    ...(args.flushPolicy === undefined ? {} : { flushPolicy: args.flushPolicy }),
    autoCreateTopicsEnable: args.autoCreateTopics,
    ...(args.defaultReplicationFactor === undefined ? {} : { defaultReplicationFactor: args.defaultReplicationFactor }),
    ...(args.numPartitions === undefined ? {} : { numPartitions: args.numPartitions }),
    ...(args.peerAddressOverrides === undefined ? {} : { peerAddressOverrides: parsePeerAddressOverrides(args.peerAddressOverrides) }),
    logger: nodeLogger(args.logLevel),
  });
}

/** The Kafka listener's ssl.* settings, when any is given (the broker checks them against the protocol). */
function kafkaSslConfig(args: BrokerArgs): { kafkaSsl?: TlsConfig } {
  const kafkaSsl = tlsConfigOfFlags(
    { sslCertificateLocation: args.kafkaSslCertificateLocation, sslKeyLocation: args.kafkaSslKeyLocation, sslCaLocation: args.kafkaSslCaLocation, sslClientAuth: args.kafkaSslClientAuth },
    'kafka-',
  );
  return kafkaSsl === undefined ? {} : { kafkaSsl };
}

/** "2@host:port,101@host:port" -> { 2: "host:port", 101: "host:port" }. */
function parsePeerAddressOverrides(text: string): Record<number, string> {
  return Object.fromEntries([...parseVoters(text)].map(([id, address]) => [id, `${address.host}:${address.port}`]));
}

/** `quill broker start` and `quill node start --roles broker,controller` (Kafka's process.roles). */
export function nodeCommands(yargs: Argv): Argv {
  return yargs
    .command('broker <action>', 'Run a broker', (y) =>
      brokerOptions(y.positional('action', { choices: ['start'] as const }))
        .option('node-id', { type: 'number', demandOption: true })
        .option('controllers', { type: 'string', demandOption: true, describe: 'the controller quorum: 1@host:port,... or host:port,...' }),
      async (args) => {
        const controllers = args.controllers.includes('@') ? [...parseVoters(args.controllers).values()].map((a) => `${a.host}:${a.port}`) : parseAddressList(args.controllers, '--controllers');
        const broker = await startBroker(args, controllers);
        await runUntilSignal(() => broker.stop());
      },
    )
    .command('node <action>', 'Run a node with one or both roles (combined mode)', (y) =>
      brokerOptions(y.positional('action', { choices: ['start'] as const }))
        .option('node-id', { type: 'number', demandOption: true })
        .option('roles', { type: 'string', default: 'broker,controller', describe: 'broker, controller, or both' })
        .option('controller-listen', { type: 'string', describe: 'host:port for the controller role' })
        .option('voters', { type: 'string', demandOption: true, describe: 'the controller quorum: 1@host:port,2@host:port,3@host:port' })
        .option('broker-session-timeout-ms', brokerSessionTimeoutOption)
        .options(leaderBalanceOptions),
      async (args) => {
        const roles = args.roles.split(',').map((r) => r.trim());
        const unknown = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
        if (unknown.length > 0 || roles.length === 0) throw new QuillError('INVALID_CONFIG', `--roles takes broker and/or controller, got '${args.roles}'.`);
        const voters = parseVoters(args.voters);
        const logger = nodeLogger(args.logLevel);
        let controller: ControllerNode | undefined;
        let broker: BrokerNode | undefined;
        // One metrics server for both roles, up before either starts so /healthz answers meanwhile;
        // each role's registry joins it once that role runs.
        const registries: Registry[] = [sharedProcessRegistry()];
        const metricsServer: MetricsServer | undefined =
          args.metricsListen === undefined
            ? undefined
            : await startMetricsServer({
                ...parseHostPort(args.metricsListen, '--metrics-listen'),
                registries,
                readiness: () => combinedReadiness(roles.map((role) => (role === 'broker' ? broker?.readiness() : controller?.readiness()) ?? { ready: false, reason: `the ${role} role is starting` })),
                logger,
              });
        if (roles.includes('controller')) {
          const listen = args.controllerListen ?? (voters.get(args.nodeId) ? `${voters.get(args.nodeId)!.host}:${voters.get(args.nodeId)!.port}` : undefined);
          if (listen === undefined) throw new QuillError('INVALID_CONFIG', `Node ${args.nodeId} has the controller role but is not among --voters.`);
          controller = await ControllerNode.start({
            nodeId: args.nodeId,
            clusterId: args.clusterId,
            listen: parseHostPort(listen, '--controller-listen'),
            voters,
            dataDir: path.resolve(args.dataDir, 'controller'),
            logger,
            brokerSessionTimeoutMs: args.brokerSessionTimeoutMs,
            ...leaderBalanceConfig(args),
            securityProtocol: controllerProtocolOf(args.securityProtocol),
            ...grpcSslConfig(args),
            ...authorizerConfig(args),
          });
          registries.unshift(controller.metricsRegistry);
        }
        if (roles.includes('broker')) {
          broker = await startBroker(args, [...voters.values()].map((a) => `${a.host}:${a.port}`), false);
          registries.unshift(broker.metrics.registry);
        }
        await runUntilSignal(async () => {
          await broker?.stop();
          await controller?.stop();
          await metricsServer?.close();
        });
      },
    );
}
