import { QuillError } from '@quill/proto';

/**
 * ssl.client.auth, with Kafka's meaning: `none` asks for no client certificate, `requested` asks
 * for one but admits a client without (a presented one must still verify), `required` refuses a
 * client without a certificate signed by `caLocation`.
 */
export const CLIENT_AUTH_MODES = ['none', 'requested', 'required'] as const;
export type ClientAuth = (typeof CLIENT_AUTH_MODES)[number];

/** The PEM files of one TLS endpoint, under librdkafka's names. */
export interface TlsConfig {
  /** ssl.certificate.location: the endpoint's certificate (its chain may follow it in the same file). */
  certificateLocation: string;
  /** ssl.key.location: the unencrypted private key of that certificate. */
  keyLocation: string;
  /** ssl.ca.location: the certificates that client certificates must chain to; needed unless clientAuth is `none`. */
  caLocation?: string;
  /** ssl.client.auth (Kafka's default: none). */
  clientAuth: ClientAuth;
}

/** How long file changes settle before the files are read again (several files are often replaced one after another). */
export const DEFAULT_TLS_RELOAD_DEBOUNCE_MS = 1000;

const PROPERTY_NAMES = {
  certificateLocation: 'ssl.certificate.location',
  keyLocation: 'ssl.key.location',
  caLocation: 'ssl.ca.location',
  clientAuth: 'ssl.client.auth',
} as const;

/** The setting's Kafka/librdkafka property name, for error messages and docs. */
export function tlsPropertyName(setting: keyof TlsConfig): string {
  return PROPERTY_NAMES[setting];
}

/** A TlsConfig from properties named as librdkafka's (`ssl.certificate.location`, ...); other properties are ignored. */
export function tlsConfigFromProperties(properties: Readonly<Record<string, string | undefined>>): TlsConfig {
  const certificateLocation = properties[PROPERTY_NAMES.certificateLocation];
  const keyLocation = properties[PROPERTY_NAMES.keyLocation];
  if (certificateLocation === undefined || keyLocation === undefined) {
    throw new QuillError('INVALID_CONFIG', `TLS needs both ${PROPERTY_NAMES.certificateLocation} and ${PROPERTY_NAMES.keyLocation}.`);
  }
  const caLocation = properties[PROPERTY_NAMES.caLocation];
  return { certificateLocation, keyLocation, ...(caLocation === undefined ? {} : { caLocation }), clientAuth: parseClientAuth(properties[PROPERTY_NAMES.clientAuth] ?? 'none') };
}

export function parseClientAuth(text: string): ClientAuth {
  const mode = CLIENT_AUTH_MODES.find((m) => m === text.trim().toLowerCase());
  if (mode === undefined) throw new QuillError('INVALID_CONFIG', `${PROPERTY_NAMES.clientAuth} takes ${CLIENT_AUTH_MODES.join(', ')}; got '${text}'.`);
  return mode;
}
