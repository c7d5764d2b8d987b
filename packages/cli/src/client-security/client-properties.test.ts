import { describe, expect, it } from 'vitest';
import { getProperties } from 'properties-file';
import { formatClientProperties, formatJavaClientProperties, optionsFromClientProperties } from './client-properties.js';

const SETTINGS = {
  kafkaBootstrap: '127.0.0.1:9112,127.0.0.1:9113',
  grpcBootstrap: '127.0.0.1:9092,127.0.0.1:9093',
  username: 'admin',
  password: 'pw-Xy_1',
  caLocation: '/data/dev/certificates/ca.pem',
};

describe('client.properties', () => {
  it('is written as plain key=value lines with the gRPC bootstrap in a comment', () => {
    const text = formatClientProperties(SETTINGS);
    const properties = text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    expect(properties).toEqual([
      'bootstrap.servers=127.0.0.1:9112,127.0.0.1:9113',
      'security.protocol=SASL_SSL',
      'sasl.mechanism=SCRAM-SHA-512',
      'sasl.username=admin',
      'sasl.password=pw-Xy_1',
      'ssl.ca.location=/data/dev/certificates/ca.pem',
    ]);
    expect(text).toContain('\n# quill.bootstrap.servers=127.0.0.1:9092,127.0.0.1:9093\n');
  });

  it('reads back into the CLI options: security settings, and --bootstrap from the comment, not from bootstrap.servers', () => {
    expect(optionsFromClientProperties(formatClientProperties(SETTINGS))).toEqual({
      bootstrap: '127.0.0.1:9092,127.0.0.1:9093',
      'security-protocol': 'SASL_SSL',
      'sasl-mechanism': 'SCRAM-SHA-512',
      'sasl-username': 'admin',
      'sasl-password': 'pw-Xy_1',
      'ssl-ca-location': '/data/dev/certificates/ca.pem',
    });
  });

  it("reads any Kafka client properties file: Java's syntax, librdkafka's names and case, other tools' properties ignored", () => {
    const text = [
      '! another comment style',
      'security.protocol = sasl_plaintext',
      'sasl.mechanisms: scram-sha-256',
      'sasl.username admin',
      'sasl.password=a\\\\b',
      'ssl.certificate.location=/c.pem',
      'ssl.key.location=/k.pem',
      'client.id=tool',
      'acks=all',
    ].join('\n');
    expect(optionsFromClientProperties(text)).toEqual({
      'security-protocol': 'SASL_PLAINTEXT',
      'sasl-mechanism': 'SCRAM-SHA-256',
      'sasl-username': 'admin',
      'sasl-password': 'a\\b',
      'ssl-certificate-location': '/c.pem',
      'ssl-key-location': '/k.pem',
    });
  });

  it('refuses to write a value that librdkafka and a Java properties reader would read differently', () => {
    for (const password of ['a\\b', ' padded', 'two\nlines', '']) {
      expect(() => formatClientProperties({ ...SETTINGS, password })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
    }
  });

  it("has a Java clients' twin: the credentials as sasl.jaas.config and the CA as a PEM truststore", () => {
    expect(getProperties(formatJavaClientProperties(SETTINGS))).toEqual({
      'bootstrap.servers': '127.0.0.1:9112,127.0.0.1:9113',
      'security.protocol': 'SASL_SSL',
      'sasl.mechanism': 'SCRAM-SHA-512',
      'sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="pw-Xy_1";',
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.location': '/data/dev/certificates/ca.pem',
    });
    expect(() => formatJavaClientProperties({ ...SETTINGS, password: 'a"b' })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
  });
});
