import { QuillError } from '@quill/client';
import { SCRAM_MECHANISMS } from '@quill/security';

/** security.protocol of a client, as librdkafka and Kafka's clients name it. */
export const CLIENT_SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type ClientSecurityProtocol = (typeof CLIENT_SECURITY_PROTOCOLS)[number];

/** sasl.mechanism of a client: PLAIN, or SCRAM against the credentials of `quill users`. */
export const CLIENT_SASL_MECHANISMS = ['PLAIN', ...SCRAM_MECHANISMS] as const;
export type ClientSaslMechanism = (typeof CLIENT_SASL_MECHANISMS)[number];

/** The security options of a client command, parsed (a `client.properties` file given to --config sets them too). */
export interface ClientSecurityArgs {
  securityProtocol?: ClientSecurityProtocol | undefined;
  saslMechanism?: ClientSaslMechanism | undefined;
  saslUsername?: string | undefined;
  saslPassword?: string | undefined;
  sslCaLocation?: string | undefined;
  sslCertificateLocation?: string | undefined;
  sslKeyLocation?: string | undefined;
}

/** The SDK's `ssl` option (KafkaJS's shape): PEM contents, not file names. */
export interface ClientSsl {
  ca?: string;
  cert?: string;
  key?: string;
}

/** The SDK's `sasl` option (KafkaJS's shape). */
export interface ClientSasl {
  mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  username: string;
  password: string;
}

export interface ClientSecurity {
  ssl?: true | ClientSsl;
  sasl?: ClientSasl;
}

/**
 * The SDK's `ssl` and `sasl` options for these settings, as librdkafka reads them: TLS under SSL
 * and SASL_SSL (the system's CAs unless ssl.ca.location), SASL under SASL_*, and the other
 * settings ignored under a protocol that does not use them. `readPem` reads a named file.
 */
export function clientSecurity(args: ClientSecurityArgs, readPem: (location: string, what: string) => string): ClientSecurity {
  const protocol = args.securityProtocol ?? 'PLAINTEXT';
  const security: ClientSecurity = {};
  if (protocol === 'SSL' || protocol === 'SASL_SSL') security.ssl = clientSsl(args, readPem);
  if (protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL') security.sasl = clientSasl(args, protocol);
  return security;
}

function clientSsl(args: ClientSecurityArgs, readPem: (location: string, what: string) => string): true | ClientSsl {
  if ((args.sslCertificateLocation === undefined) !== (args.sslKeyLocation === undefined)) {
    throw new QuillError('INVALID_CONFIG', 'ssl.certificate.location and ssl.key.location (--ssl-certificate-location, --ssl-key-location) go together: give both or neither.');
  }
  const ssl: ClientSsl = {};
  if (args.sslCaLocation !== undefined) ssl.ca = readPem(args.sslCaLocation, 'ssl.ca.location');
  if (args.sslCertificateLocation !== undefined) ssl.cert = readPem(args.sslCertificateLocation, 'ssl.certificate.location');
  if (args.sslKeyLocation !== undefined) ssl.key = readPem(args.sslKeyLocation, 'ssl.key.location');
  return Object.keys(ssl).length === 0 ? true : ssl;
}

function clientSasl(args: ClientSecurityArgs, protocol: ClientSecurityProtocol): ClientSasl {
  if (args.saslUsername === undefined || args.saslPassword === undefined) {
    throw new QuillError('INVALID_CONFIG', `security.protocol ${protocol} needs sasl.username and sasl.password (--sasl-username, --sasl-password, or a --config file).`);
  }
  const mechanism = args.saslMechanism ?? 'SCRAM-SHA-512';
  return { mechanism: mechanism.toLowerCase() as ClientSasl['mechanism'], username: args.saslUsername, password: args.saslPassword };
}
