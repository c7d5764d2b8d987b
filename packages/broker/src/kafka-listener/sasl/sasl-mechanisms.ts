import { QuillError } from '@quill/proto';

/** The SASL mechanisms the Kafka listener can serve (sasl.enabled.mechanisms). */
export const KAFKA_SASL_MECHANISMS = ['SCRAM-SHA-512', 'SCRAM-SHA-256', 'PLAIN'] as const;
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

/**
 * sasl.enabled.mechanisms by default: the SCRAM ones. PLAIN sends the password itself, so it is
 * served only when named (and belongs on SASL_SSL).
 */
export const DEFAULT_KAFKA_SASL_MECHANISMS: readonly KafkaSaslMechanism[] = ['SCRAM-SHA-512', 'SCRAM-SHA-256'];

export function isKafkaSaslMechanism(name: string): name is KafkaSaslMechanism {
  return (KAFKA_SASL_MECHANISMS as readonly string[]).includes(name);
}

/** A comma-separated sasl.enabled.mechanisms value, checked. */
export function parseSaslMechanisms(text: string): KafkaSaslMechanism[] {
  const names = text.split(',').map((name) => name.trim().toUpperCase()).filter((name) => name !== '');
  if (names.length === 0) throw new QuillError('INVALID_CONFIG', 'sasl.enabled.mechanisms names no mechanism');
  for (const name of names) {
    if (!isKafkaSaslMechanism(name)) throw new QuillError('INVALID_CONFIG', `sasl.enabled.mechanisms: ${name} is not one of ${KAFKA_SASL_MECHANISMS.join(', ')}`);
  }
  return [...new Set(names as KafkaSaslMechanism[])];
}
