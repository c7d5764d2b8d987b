import { scramCredentialOf, type MetadataState } from '@quill/metadata';
import { unknownUserCredentials } from '@quill/security';
import type { KafkaSaslMechanism } from './sasl-mechanisms.js';
import type { SaslSessionDeps } from './sasl-session.js';

/**
 * What the SASL sessions of a broker's listeners (the Kafka listener's and the gRPC port's) share:
 * the enabled mechanisms, and credentials as the broker's metadata holds them now, so a user
 * created or deleted counts from the next handshake.
 */
export function metadataSaslSessionDeps(enabledMechanisms: readonly KafkaSaslMechanism[], currentState: () => MetadataState | undefined): SaslSessionDeps {
  return {
    enabledMechanisms,
    credentialOf: (user, mechanism) => {
      const state = currentState();
      return state === undefined ? undefined : scramCredentialOf(state, user, mechanism);
    },
    unknownUserCredential: unknownUserCredentials(),
  };
}
