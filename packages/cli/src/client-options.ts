import { Quill, QuillError, type Admin, type LogLevel, type TopicDescription } from '@quill/client';
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import type { Argv } from 'yargs';
import { CLIENT_SASL_MECHANISMS, CLIENT_SECURITY_PROTOCOLS, clientSecurity, type ClientSecurityArgs } from './client-security/client-security.js';
import { parseAddressList } from './parse.js';

const DEFAULT_BOOTSTRAP = '127.0.0.1:9092';
/** How long topics and produce commands wait for the cluster by default. */
export const DEFAULT_TIMEOUT_MS = 30_000;

const LOG_LEVELS: readonly LogLevel[] = ['silent', 'fatal', 'error', 'warn', 'info', 'debug', 'trace'];

/**
 * The options every command that talks to brokers takes. `--timeout-ms` is added by each
 * command because its meaning differs (a request deadline, or consume's idle exit).
 */
export function clientOptions<T>(y: Argv<T>) {
  return y
    .option('bootstrap', {
      type: 'string',
      default: DEFAULT_BOOTSTRAP,
      describe: 'brokers to bootstrap from, host:port,...',
      coerce: single<string>('--bootstrap'),
    })
    .option('json', { type: 'boolean', default: false, describe: 'machine-readable output (JSON)' })
    .option('log-level', {
      type: 'string',
      describe: 'client log level, logs go to stderr (default error, or QUILL_LOG_LEVEL)',
      coerce: (value: string | string[]) => logLevel(single<string>('--log-level')(value)),
    })
    // Named as librdkafka's properties (security.protocol -> --security-protocol), which a client.properties given to --config sets.
    .option('security-protocol', { choices: CLIENT_SECURITY_PROTOCOLS, describe: 'security.protocol towards the brokers (default PLAINTEXT)' })
    .option('sasl-mechanism', { choices: CLIENT_SASL_MECHANISMS, describe: 'sasl.mechanism under SASL_PLAINTEXT or SASL_SSL (default SCRAM-SHA-512)' })
    .option('sasl-username', { type: 'string', describe: 'sasl.username', coerce: single<string>('--sasl-username') })
    .option('sasl-password', { type: 'string', describe: 'sasl.password (visible to other local users in the process list: prefer --config)', coerce: single<string>('--sasl-password') })
    .option('ssl-ca-location', { type: 'string', describe: "ssl.ca.location: PEM CA certificates the brokers' certificates must chain to", coerce: single<string>('--ssl-ca-location') })
    .option('ssl-certificate-location', { type: 'string', describe: 'ssl.certificate.location: a PEM client certificate (mutual TLS)', coerce: single<string>('--ssl-certificate-location') })
    .option('ssl-key-location', { type: 'string', describe: 'ssl.key.location: the PEM private key of that certificate', coerce: single<string>('--ssl-key-location') });
}

/** What `openQuill` needs from the parsed options. */
export interface ClientSettings extends ClientSecurityArgs {
  bootstrap: string;
  logLevel: LogLevel | undefined;
  /** Deadline of each request to a broker. */
  requestTimeoutMs: number;
}

/**
 * A client for the brokers named by --bootstrap. Its logs go to stderr so stdout carries only
 * the command's output; only errors by default, because the command reports failures itself
 * in one line and retry warnings would bury it.
 */
export function openQuill(settings: ClientSettings): Quill {
  const brokers = parseAddressList(settings.bootstrap, '--bootstrap');
  const level = settings.logLevel ?? logLevel(process.env['QUILL_LOG_LEVEL'] ?? 'error');
  // Synchronous, so lines written just before main.ts calls process.exit() are not lost.
  const logger = pino({ level }, pino.destination({ dest: 2, sync: true }));
  const security = clientSecurity(settings, readPem);
  return new Quill({ brokers, clientId: 'quill-cli', logger, requestTimeoutMs: settings.requestTimeoutMs, ...security });
}

function readPem(location: string, what: string): string {
  try {
    return readFileSync(location, 'utf8');
  } catch (error) {
    throw new QuillError('INVALID_CONFIG', `${what} ${location} cannot be read: ${(error as Error).message}`);
  }
}

function logLevel(value: string): LogLevel {
  const level = LOG_LEVELS.find((l) => l === value);
  if (level === undefined) {
    throw new QuillError('INVALID_CONFIG', `The log level must be one of ${LOG_LEVELS.join(', ')}, got '${value}'.`);
  }
  return level;
}

/**
 * A yargs `coerce` for options that take one value: yargs turns a repeated flag into an array,
 * which would otherwise surface later as a confusing type error.
 */
export function single<T>(flag: string): (value: T | T[]) => T {
  return (value) => {
    if (Array.isArray(value)) throw new QuillError('INVALID_CONFIG', `${flag} is given more than once.`);
    return value;
  };
}

/**
 * A yargs `coerce` for integer options (yargs gives NaN for a non-number, and fractions as they are).
 * `min` is the smallest accepted value.
 */
export function integer(flag: string, min: number): (value: number | number[]) => number {
  const one = single<number>(flag);
  return (value) => {
    const n = one(value);
    if (!Number.isSafeInteger(n) || n < min) {
      const wanted = min === 0 ? 'a non-negative integer' : min === 1 ? 'a positive integer' : `an integer of at least ${min}`;
      throw new QuillError('INVALID_CONFIG', `${flag} must be ${wanted}, got '${Number.isNaN(n) ? 'not a number' : n}'.`);
    }
    return n;
  };
}

/**
 * Settles like `work`, or rejects with REQUEST_TIMED_OUT after `timeoutMs` once `abandon` (which
 * closes the client, cancelling its calls) has run: the client's own retries can outlast a
 * deadline a person at a terminal expects.
 */
export async function withDeadline<T>(
  work: Promise<T>,
  timeoutMs: number,
  what: string,
  abandon: () => Promise<void>,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'expired'>((resolve) => {
    timer = setTimeout(() => resolve('expired'), timeoutMs);
  });
  try {
    const winner = await Promise.race([work.then((value) => ({ value })), expired]);
    if (winner !== 'expired') return winner.value;
  } finally {
    clearTimeout(timer);
  }
  await abandon();
  throw new QuillError('REQUEST_TIMED_OUT', `${what}: no answer from the cluster within ${timeoutMs} ms (--timeout-ms).`);
}

/** The partition ids of `topic`, or UNKNOWN_TOPIC_OR_PARTITION at once (see findTopic). */
export async function topicPartitions(quill: Quill, topic: string, timeoutMs: number): Promise<number[]> {
  const admin = quill.admin();
  try {
    const metadata = await withDeadline(
      admin.connect().then(() => admin.fetchTopicMetadata()),
      timeoutMs,
      `looking up topic ${topic}`,
      () => admin.disconnect(),
    );
    return findTopic(metadata.topics, topic).partitions.map((p) => p.partitionId);
  } finally {
    await admin.disconnect();
  }
}

/**
 * `name` among the topics of a metadata answer for all topics, or UNKNOWN_TOPIC_OR_PARTITION.
 * Commands look topics up this way because it reports a missing topic at once: the client
 * retries a topic asked for by name for seconds, in case it was just created and has not
 * reached every broker yet.
 */
export function findTopic(topics: readonly TopicDescription[], name: string): TopicDescription {
  const topic = topics.find((t) => t.name === name);
  if (topic === undefined) throw new QuillError('UNKNOWN_TOPIC_OR_PARTITION', `Topic '${name}' does not exist.`);
  return topic;
}

/** The options of commands that use an admin client: the client's, and --timeout-ms for the whole command. */
export function adminOptions<T>(y: Argv<T>) {
  return clientOptions(y).option('timeout-ms', {
    type: 'number',
    default: DEFAULT_TIMEOUT_MS,
    describe: 'give up when the cluster has not answered within this, in ms',
    coerce: integer('--timeout-ms', 1),
  });
}

/** Connects an admin client, runs `action` within --timeout-ms, and always disconnects. */
export async function withAdmin(
  args: { bootstrap: string; logLevel: LogLevel | undefined; timeoutMs: number } & ClientSecurityArgs,
  what: string,
  action: (admin: Admin) => Promise<void>,
): Promise<void> {
  const quill = openQuill({ ...args, requestTimeoutMs: args.timeoutMs });
  const admin = quill.admin();
  try {
    await withDeadline(
      admin.connect().then(() => action(admin)),
      args.timeoutMs,
      what,
      () => admin.disconnect(),
    );
  } finally {
    await admin.disconnect();
  }
}

/** One line of a command's output on stdout. */
export function writeOut(text: string): void {
  process.stdout.write(`${text}\n`);
}
