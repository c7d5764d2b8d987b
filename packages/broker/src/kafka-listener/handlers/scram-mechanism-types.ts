// Kafka's numbers for SCRAM mechanisms (org.apache.kafka.clients.admin.ScramMechanism), against
// the SASL names Quill's gRPC API and metadata use.
const SCRAM_MECHANISM_TYPES: ReadonlyMap<number, string> = new Map([
  [1, 'SCRAM-SHA-256'],
  [2, 'SCRAM-SHA-512'],
]);

/** Kafka's UNKNOWN mechanism. */
export const UNKNOWN_SCRAM_MECHANISM_TYPE = 0;

/** The SASL name of a Kafka mechanism number; a name the controller refuses (UNSUPPORTED_SASL_MECHANISM) for an unknown one. */
export function scramMechanismName(type: number): string {
  return SCRAM_MECHANISM_TYPES.get(type) ?? `UNKNOWN-${type}`;
}

export function scramMechanismType(name: string): number {
  for (const [type, known] of SCRAM_MECHANISM_TYPES) if (known === name) return type;
  return UNKNOWN_SCRAM_MECHANISM_TYPE;
}
