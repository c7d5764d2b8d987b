import { existsSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Quill, QuillError } from '@quill/client';
import { pino } from 'pino';
import type { Argv } from 'yargs';
import { integer, single } from '../client-options.js';
import { startConsoleServer } from '../console/console-server.js';
import { devStatePath, requestRestart, runningDevPid } from './dev-control.js';
import { runDemo } from './dev-demo.js';
import type { ClientSecurity } from '../client-security/client-security.js';
import { clientPropertiesPath, devClientSecurity, devSdkSecurity, devSecureNodeArgs, devSuperUserSecurity, finishDevSecurity, prepareDevSecurity, type DevSecurity } from './dev-secure.js';
import { runDev, type Readiness } from './dev-supervisor.js';

export { runDev, type DevRun, type NodeSpec, type Readiness } from './dev-supervisor.js';

/** The controller quorum: nodes 1..3 run a controller next to their broker. */
const VOTER_COUNT = 3;
const DEFAULT_BROKERS = 3;
/** quill dev's first broker port; its controllers listen CONTROLLER_PORT_OFFSET above its brokers. */
const DEV_BASE_PORT = 9092;
const CLUSTER_ID = 'quill-dev';
const HOST = '127.0.0.1';
/** Controllers listen at base port + this, so at most this many brokers fit below them. */
const CONTROLLER_PORT_OFFSET = 10;
/** Brokers' Kafka listeners are at base port + this + (id - 1), above the controllers. */
const KAFKA_PORT_OFFSET = 20;
/** Nodes' metrics HTTP servers (/metrics, /healthz, /readyz) are at base port + this + (id - 1). */
const METRICS_PORT_OFFSET = 40;
/** The web console listens at base port + this. */
const CONSOLE_PORT_OFFSET = 50;
const READY_POLL_MS = 500;
/** Time a node gets to stop cleanly (flush and close its logs) before it is killed. */
const STOP_GRACE_MS = 10_000;
const DEFAULT_DATA_DIR = path.join('data', 'dev');
/** Deadline of --secure's requests once the cluster is ready (creating the super user). */
const SET_UP_TIMEOUT_MS = 10_000;

/**
 * `quill dev`: a local cluster in the foreground, three combined nodes (broker and controller)
 * plus broker-only nodes up to --brokers; `quill dev restart-node N` from another terminal.
 */
export function devCommand(yargs: Argv): Argv {
  return yargs.command(
    'dev',
    'Run a local cluster (a 3-voter controller quorum and --brokers brokers) until Ctrl-C',
    (y) =>
      y
        .option('data-dir', {
          type: 'string',
          default: DEFAULT_DATA_DIR,
          describe: 'where the nodes keep their data and logs; existing data restarts the same cluster',
          coerce: single<string>('--data-dir'),
        })
        .command(
          'restart-node <id>',
          'Start a node of the quill dev running on --data-dir again, on its data, under that dev (Ctrl-C there stops it too)',
          (r) => r.positional('id', { type: 'number', demandOption: true, describe: 'the node id (1..--brokers)', coerce: integer('node id', 1) }),
          async (args) => {
            process.stdout.write(`${await requestRestart(path.resolve(args.dataDir), args.id)}\n`);
          },
        )
        .option('base-port', {
          type: 'number',
          default: DEV_BASE_PORT,
          describe: `brokers listen on P..P+N-1 (the bootstrap is ${HOST}:P), controllers on P+${CONTROLLER_PORT_OFFSET}..P+${CONTROLLER_PORT_OFFSET + VOTER_COUNT - 1}, Kafka listeners on P+${KAFKA_PORT_OFFSET}..P+${KAFKA_PORT_OFFSET}+N-1, metrics on P+${METRICS_PORT_OFFSET}..P+${METRICS_PORT_OFFSET}+N-1, the web console on P+${CONSOLE_PORT_OFFSET}`,
          coerce: basePort,
        })
        .option('brokers', {
          type: 'number',
          default: DEFAULT_BROKERS,
          describe: `brokers N (${VOTER_COUNT}..${CONTROLLER_PORT_OFFSET}): nodes 1..${VOTER_COUNT} are also the controllers, nodes ${VOTER_COUNT + 1}..N brokers only`,
          coerce: brokerCount,
        })
        .option('demo', { type: 'boolean', default: false, describe: 'once ready, run a produce/consume round trip on topic greetings' })
        .option('secure', {
          type: 'boolean',
          default: false,
          describe: 'generate a CA and node certificates in --data-dir, turn on SASL_SSL (SCRAM-SHA-512) and ACLs, create a super user, and write <data-dir>/client.properties',
        })
        .option('user', { type: 'string', describe: `with --secure: the super user's name (default admin)`, coerce: single<string>('--user') })
        .option('password', {
          type: 'string',
          describe: "with --secure: the super user's password (default: that of the data dir's client.properties, else generated)",
          coerce: single<string>('--password'),
        }),
    async (args) => {
      const dataDir = path.resolve(args.dataDir);
      const bootstrap = `${HOST}:${args.basePort}`;
      const running = runningDevPid(dataDir);
      if (running !== undefined) throw new QuillError('INVALID_REQUEST', `quill dev already runs on ${args.dataDir} (pid ${running}).`);
      await assertPortsFree(devPorts(args.basePort, args.brokers));
      const restarting = existsSync(path.join(dataDir, 'node-1'));
      mkdirSync(dataDir, { recursive: true });
      const nodeIds = Array.from({ length: args.brokers }, (_, i) => i + 1);
      const security = args.secure ? await prepareDevSecurity(dataDir, nodeIds, { user: args.user, password: args.password }) : undefined;
      const sdkSecurity = security === undefined ? {} : devSdkSecurity(security);
      const nodes = Array.from({ length: args.brokers }, (_, i) => {
        const id = i + 1;
        return {
          id,
          name: `node-${id}`,
          // Each node runs the way this quill runs: from sources through tsx under `pnpm quill`
          // (Node's options and the cwd tsx resolves from carried over), compiled when installed.
          args: [...process.execArgv, process.argv[1]!, ...devNodeArgs(id, args.basePort, dataDir), ...(security === undefined ? [] : devSecureNodeArgs(security, id))],
          logFile: path.join(dataDir, `node-${id}.log`),
        };
      });
      process.stderr.write(
        `${restarting ? 'Restarting the' : 'Starting a new'} ${args.brokers}-node cluster in ${args.dataDir} ` +
          `(nodes 1-${VOTER_COUNT} broker and controller${args.brokers > VOTER_COUNT ? `, ${VOTER_COUNT + 1}-${args.brokers} broker only` : ''}); bootstrap ${bootstrap}; ` +
          `node logs in ${path.join(args.dataDir, 'node-N.log')}.\n`,
      );
      const stopRequested = new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      const addresses = nodes.map((_, i) => `${HOST}:${args.basePort + i}`);
      const kafkaAddresses = nodes.map((_, i) => `${HOST}:${args.basePort + KAFKA_PORT_OFFSET + i}`);
      await runDev({
        nodes,
        cwd: process.cwd(),
        bootstrap,
        kafkaBootstrap: kafkaAddresses.join(','),
        metricsUrls: nodes.map((_, i) => `http://${HOST}:${args.basePort + METRICS_PORT_OFFSET + i}/metrics`).join(','),
        checkReadiness: () => checkReadiness(addresses, sdkSecurity),
        stopRequested,
        pollMs: READY_POLL_MS,
        graceMs: STOP_GRACE_MS,
        restartCommand: (node) => restartNodeCommand(node.id, dataDir),
        stateFile: devStatePath(dataDir),
        ...(security === undefined ? {} : { setUp: () => setUpSecurity(security, addresses, kafkaAddresses) }),
        ...(args.demo
          ? { onReady: (bootstrap: string) => (security === undefined ? runDemo(bootstrap) : runDemo(bootstrap, devClientSecurity(security), `--config ${clientPropertiesPath(security)}`)) }
          : {}),
        startConsole: () =>
          startConsoleServer({
            quill: new Quill({ brokers: addresses, clientId: 'quill-console', logLevel: 'error', ...sdkSecurity }),
            host: HOST,
            port: args.basePort + CONSOLE_PORT_OFFSET,
            logger: pino({ level: 'warn' }, pino.destination(2)),
          }),
      });
    },
  );
}

/** --secure, once the cluster is ready: the super user and client.properties, announced as `client.properties <path>`. */
async function setUpSecurity(security: DevSecurity, addresses: readonly string[], kafkaAddresses: readonly string[]): Promise<string[]> {
  const admin = new Quill({ brokers: [...addresses], clientId: 'quill-dev', logLevel: 'error', requestTimeoutMs: SET_UP_TIMEOUT_MS, ...devSdkSecurity(security) }).admin();
  const superUser = devSuperUserSecurity(security);
  const file = await finishDevSecurity(security, admin, { grpc: addresses, kafka: kafkaAddresses }, (address) => answers(address, superUser));
  process.stderr.write(
    `Secure: SASL_SSL with SCRAM-SHA-512 on the brokers' gRPC ports and Kafka listeners, TLS between nodes (certificates User:broker-N), ACLs; super user ${security.username}; CA ${security.caLocation}.\n`,
  );
  return [`client.properties ${file}`];
}

/** What dev prints for a dead node: the command, for any terminal, that starts it again under this dev. */
export function restartNodeCommand(id: number, dataDir: string): string {
  return `pnpm quill dev restart-node ${id} --data-dir ${dataDir}`;
}

function basePort(value: number | number[]): number {
  const port = integer('--base-port', 1)(value);
  const highest = Math.max(port + KAFKA_PORT_OFFSET + CONTROLLER_PORT_OFFSET - 1, port + CONSOLE_PORT_OFFSET);
  if (highest > 65535) throw new QuillError('INVALID_CONFIG', `--base-port must leave room for ${highest - port + 1} ports, at most ${65535 - (highest - port)}.`);
  return port;
}

/** The --brokers of dev: enough for the voters' brokers, no more than fit below the controllers' ports. */
export function brokerCount(value: number | number[]): number {
  const count = integer('--brokers', VOTER_COUNT)(value);
  if (count > CONTROLLER_PORT_OFFSET) {
    throw new QuillError('INVALID_CONFIG', `--brokers must be at most ${CONTROLLER_PORT_OFFSET} (the ports below the controllers), got ${count}.`);
  }
  return count;
}

/** The arguments of `quill node start` for dev node `id`: a voter (1..3) runs both roles, a later node a broker only. */
export function devNodeArgs(id: number, basePort: number, dataDir: string): string[] {
  const controllers = devControllerAddresses(basePort);
  const voters = controllers.map((address, i) => `${i + 1}@${address}`).join(',');
  const roles = id <= VOTER_COUNT ? ['--roles', 'broker,controller'] : ['--roles', 'broker'];
  return [
    'node',
    'start',
    ...roles,
    '--node-id',
    String(id),
    '--listen',
    `${HOST}:${basePort + id - 1}`,
    '--kafka-listen',
    `${HOST}:${basePort + KAFKA_PORT_OFFSET + id - 1}`,
    '--metrics-listen',
    `${HOST}:${basePort + METRICS_PORT_OFFSET + id - 1}`,
    ...(id <= VOTER_COUNT ? ['--controller-listen', controllers[id - 1]!] : []),
    '--voters',
    voters,
    '--data-dir',
    path.join(dataDir, `node-${id}`),
    '--cluster-id',
    CLUSTER_ID,
  ];
}

/** Every port a dev cluster of `brokers` brokers listens on: the brokers' from `base`, the controllers', then the brokers' Kafka listeners. */
export function devPorts(base: number, brokers: number): number[] {
  return [
    ...Array.from({ length: brokers }, (_, i) => base + i),
    ...Array.from({ length: VOTER_COUNT }, (_, i) => base + CONTROLLER_PORT_OFFSET + i),
    ...Array.from({ length: brokers }, (_, i) => base + KAFKA_PORT_OFFSET + i),
    ...Array.from({ length: brokers }, (_, i) => base + METRICS_PORT_OFFSET + i),
    base + CONSOLE_PORT_OFFSET,
  ];
}

/**
 * Fails at once when a port is taken: otherwise the nodes would fail one by one, or a cluster
 * already running there would answer the readiness checks in their place.
 */
async function assertPortsFree(ports: readonly number[]): Promise<void> {
  for (const port of ports) {
    const server = net.createServer();
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, HOST, resolve);
      });
    } catch (error) {
      const { code, message } = error as NodeJS.ErrnoException;
      throw new Error(
        code === 'EADDRINUSE'
          ? `Port ${port} on ${HOST} is in use (another quill dev? --base-port picks other ports).`
          : `Cannot listen on ${HOST}:${port}: ${message}`,
      );
    }
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/**
 * Asks each broker address on its own: a client bootstrapped from that address alone, without
 * retries, connects only if that broker answers. The registered brokers are those every answer
 * lists (a broker's metadata lists unfenced brokers only).
 */
async function checkReadiness(addresses: readonly string[], security: ClientSecurity): Promise<Readiness> {
  const views = await Promise.all(addresses.map((address) => brokersSeenBy(address, security)));
  const answers = views.filter((v) => v !== undefined);
  return {
    answering: views.flatMap((v, i) => (v === undefined ? [] : [i + 1])),
    registered: (answers[0] ?? []).filter((id) => answers.every((listed) => listed.includes(id))).sort((a, b) => a - b),
  };
}

/** The brokers the broker at `address` lists, asked by a client bootstrapped from it alone; undefined when it does not answer. */
async function brokersSeenBy(address: string, security: ClientSecurity): Promise<number[] | undefined> {
  const admin = new Quill({ brokers: [address], clientId: 'quill-dev', logLevel: 'silent', retry: { retries: 0 }, requestTimeoutMs: 2_000, ...security }).admin();
  try {
    await admin.connect();
    return (await admin.describeCluster()).brokers.map((b) => b.nodeId);
  } catch {
    // Not up yet (or, for --secure's credential check, not accepting it yet): the callers poll.
    return undefined;
  } finally {
    await admin.disconnect();
  }
}

async function answers(address: string, security: ClientSecurity): Promise<boolean> {
  return (await brokersSeenBy(address, security)) !== undefined;
}

/** The controller addresses of a `quill dev` cluster (its three voters). */
export function devControllerAddresses(basePort = DEV_BASE_PORT): string[] {
  return Array.from({ length: VOTER_COUNT }, (_, i) => `${HOST}:${basePort + CONTROLLER_PORT_OFFSET + i}`);
}
