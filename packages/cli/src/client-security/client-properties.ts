import { QuillError } from '@quill/client';
import { getProperties } from 'properties-file';

/**
 * The brokers' gRPC addresses ride in a comment line of a client.properties,
 * `# quill.bootstrap.servers=host:port,...`: `bootstrap.servers` holds the Kafka listeners for
 * kcat and Kafka's tools, librdkafka's `-F` rejects a property it does not know, and every
 * properties reader skips comments.
 */
export const QUILL_BOOTSTRAP_COMMENT = 'quill.bootstrap.servers';
const BOOTSTRAP_COMMENT_LINE = /^[ \t\f]*[#!][ \t\f]*quill\.bootstrap\.servers[ \t\f]*[=:][ \t\f]*(\S+)[ \t\f]*$/m;

/** Properties read into the CLI's options (keys as the flags); others are for other tools and ignored. */
const OPTION_OF_PROPERTY: Readonly<Record<string, string>> = {
  'security.protocol': 'security-protocol',
  'sasl.mechanism': 'sasl-mechanism',
  // librdkafka's own name of sasl.mechanism.
  'sasl.mechanisms': 'sasl-mechanism',
  'sasl.username': 'sasl-username',
  'sasl.password': 'sasl-password',
  'ssl.ca.location': 'ssl-ca-location',
  'ssl.certificate.location': 'ssl-certificate-location',
  'ssl.key.location': 'ssl-key-location',
};
/** Values librdkafka reads case-insensitively, the CLI's choices being upper case. */
const UPPER_CASE_OPTIONS = new Set(['security-protocol', 'sasl-mechanism']);

/**
 * The CLI options a Kafka client properties file sets: its security settings, and --bootstrap
 * from the `quill.bootstrap.servers` comment (never from bootstrap.servers, the Kafka listeners).
 */
export function optionsFromClientProperties(text: string): Record<string, string> {
  const options: Record<string, string> = {};
  for (const [property, value] of Object.entries(getProperties(text))) {
    const option = OPTION_OF_PROPERTY[property];
    if (option !== undefined) options[option] = UPPER_CASE_OPTIONS.has(option) ? value.toUpperCase() : value;
  }
  const bootstrap = BOOTSTRAP_COMMENT_LINE.exec(text)?.[1];
  if (bootstrap !== undefined) options['bootstrap'] = bootstrap;
  return options;
}

/** What a SASL_SSL/SCRAM-SHA-512 client.properties holds. */
export interface ClientPropertiesSettings {
  /** The Kafka listeners, host:port,... */
  kafkaBootstrap: string;
  /** The brokers' gRPC ports, host:port,... */
  grpcBootstrap: string;
  username: string;
  password: string;
  caLocation: string;
}

/** Refuses a value that librdkafka and a Java properties reader would read differently from a `key=value` line. */
export function assertWritableValue(key: string, value: string): void {
  if (value.length === 0 || /[\\\r\n]/.test(value) || value.trim() !== value) {
    throw new QuillError('INVALID_CONFIG', `${key} cannot be written to a properties file as it is: it is empty, has surrounding blanks, a backslash or a line break.`);
  }
}

/**
 * A client.properties that librdkafka (`kcat -F`), Kafka's Java properties reader and `quill
 * --config` read alike: plain `key=value` lines, so values that the two formats read differently
 * (a backslash, which Java unescapes, or surrounding blanks and line breaks) are refused.
 */
export function formatClientProperties(settings: ClientPropertiesSettings): string {
  const lines: Array<[string, string]> = [
    ['bootstrap.servers', settings.kafkaBootstrap],
    ['security.protocol', 'SASL_SSL'],
    ['sasl.mechanism', 'SCRAM-SHA-512'],
    ['sasl.username', settings.username],
    ['sasl.password', settings.password],
    ['ssl.ca.location', settings.caLocation],
  ];
  const written: Array<[string, string]> = [...lines, [QUILL_BOOTSTRAP_COMMENT, settings.grpcBootstrap]];
  for (const [key, value] of written) assertWritableValue(key, value);
  return [
    '# Kafka client properties (librdkafka and Kafka clients): kcat -F <this file>; quill <command> --config <this file>.',
    "# The brokers' gRPC addresses, for quill (a comment, as librdkafka refuses properties it does not know):",
    `# ${QUILL_BOOTSTRAP_COMMENT}=${settings.grpcBootstrap}`,
    ...lines.map(([key, value]) => `${key}=${value}`),
    '',
  ].join('\n');
}

/** The Java client's JAAS line for SCRAM; the value is quoted, so a quote in it is refused. */
function scramJaasConfig(username: string, password: string): string {
  for (const [key, value] of [['sasl.username', username], ['sasl.password', password]] as const) {
    if (value.includes('"')) throw new QuillError('INVALID_CONFIG', `${key} cannot go into sasl.jaas.config: it holds a double quote.`);
  }
  return `org.apache.kafka.common.security.scram.ScramLoginModule required username="${username}" password="${password}";`;
}

/**
 * The same client settings for Kafka's Java clients and tools (`kafka-console-consumer.sh
 * --consumer.config`, ...), which take the credentials as `sasl.jaas.config` and the CA as a PEM
 * truststore (Kafka 2.7+): properties librdkafka refuses, hence a file of its own.
 */
export function formatJavaClientProperties(settings: Omit<ClientPropertiesSettings, 'grpcBootstrap'>): string {
  const lines: Array<[string, string]> = [
    ['bootstrap.servers', settings.kafkaBootstrap],
    ['security.protocol', 'SASL_SSL'],
    ['sasl.mechanism', 'SCRAM-SHA-512'],
    ['sasl.jaas.config', scramJaasConfig(settings.username, settings.password)],
    ['ssl.truststore.type', 'PEM'],
    ['ssl.truststore.location', settings.caLocation],
  ];
  for (const [key, value] of lines) assertWritableValue(key, value);
  return ['# Kafka Java client properties: kafka-console-producer.sh --producer.config <this file>, ...', ...lines.map(([key, value]) => `${key}=${value}`), ''].join('\n');
}
