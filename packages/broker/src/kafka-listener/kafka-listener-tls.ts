import { QuillError } from '@quill/proto';
import { loadTls, type LoadedTls } from '@quill/security';
import type { BrokerConfig } from '../config.js';

/** The checked TLS files of an SSL listener; a protocol and settings that disagree are a config error. */
export async function kafkaListenerTls(config: Pick<BrokerConfig, 'kafkaSecurityProtocol' | 'kafkaSsl'>): Promise<LoadedTls | undefined> {
  if (config.kafkaSecurityProtocol === 'PLAINTEXT') {
    if (config.kafkaSsl !== undefined) throw new QuillError('INVALID_CONFIG', 'The Kafka listener has ssl settings but security protocol PLAINTEXT; set it to SSL or leave the ssl settings out.');
    return undefined;
  }
  if (config.kafkaSsl === undefined) throw new QuillError('INVALID_CONFIG', 'The Kafka listener has security protocol SSL but no ssl.certificate.location and ssl.key.location.');
  return loadTls(config.kafkaSsl);
}
