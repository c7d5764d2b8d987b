import { QuillError } from '@quill/proto';
import { loadTls, type LoadedTls } from '@quill/security';
import type { BrokerConfig } from '../config.js';

/** The checked TLS files of an SSL or SASL_SSL listener; a protocol and settings that disagree are a config error. */
export async function kafkaListenerTls(config: Pick<BrokerConfig, 'kafkaSecurityProtocol' | 'kafkaSsl'>): Promise<LoadedTls | undefined> {
  const protocol = config.kafkaSecurityProtocol;
  if (protocol === 'PLAINTEXT' || protocol === 'SASL_PLAINTEXT') {
    const tlsProtocol = protocol === 'PLAINTEXT' ? 'SSL' : 'SASL_SSL';
    if (config.kafkaSsl !== undefined) throw new QuillError('INVALID_CONFIG', `The Kafka listener has ssl settings but security protocol ${protocol}; set it to ${tlsProtocol} or leave the ssl settings out.`);
    return undefined;
  }
  if (config.kafkaSsl === undefined) throw new QuillError('INVALID_CONFIG', `The Kafka listener has security protocol ${protocol} but no ssl.certificate.location and ssl.key.location.`);
  return loadTls(config.kafkaSsl);
}
