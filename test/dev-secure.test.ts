import { readFileSync } from 'node:fs';
import path from 'node:path';
import { eventually } from '@quill/test-support';
import { Kafka, logLevel } from 'kafkajs';
import { getProperties } from 'properties-file';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDev, stopDev, type DevRun } from './support/dev-process.js';
import { listTopicsError, readValuesWithKafkaJs } from './support/kafkajs-read.js';
import { kcatAvailable, killKcats, runKcat } from './support/kcat-process.js';
import { runQuill } from './support/run-quill.js';

// `quill dev --secure` writes <data-dir>/client.properties once every broker accepts its super
// user, and the clients a Kafka user has read it: KafkaJS (SASL_SSL, SCRAM-SHA-512, the dev CA) produces and consumes, a wrong password is
// refused, kcat -F lists metadata, produces and consumes; `quill --config client.properties` reaches
// the brokers' gRPC ports with the same settings.

const KCAT = kcatAvailable();
const TOPIC = 'secure-greetings';
const KCAT_TOPIC = 'secure-kcat';
const CLI_TOPIC = 'secure-cli';
const VALUES = ['one', 'two', 'three'];

describe('quill dev --secure', () => {
  let run: DevRun | undefined;
  let propertiesFile: string;
  let properties: Record<string, string>;
  const kafka = (password: string): Kafka =>
    new Kafka({
      clientId: 'dev-secure-test',
      brokers: properties['bootstrap.servers']!.split(','),
      ssl: { ca: [readFileSync(properties['ssl.ca.location']!, 'utf8')] },
      sasl: { mechanism: 'scram-sha-512', username: properties['sasl.username']!, password },
      logLevel: logLevel.NOTHING,
      connectionTimeout: 3000,
      retry: { retries: 0 },
    });

  beforeAll(async () => {
    run = await startDev(['--secure'], 'quill-dev-secure-');
    const dev = run.process;
    propertiesFile = await eventually(() => /^client\.properties (\S+)$/m.exec(dev.logs)?.[1], { timeoutMs: 90_000, intervalMs: 100, description: 'dev prints client.properties' });
    properties = getProperties(readFileSync(propertiesFile, 'utf8'));
  });
  afterAll(async () => {
    killKcats();
    await stopDev(run);
  });

  it('writes client.properties with which KafkaJS produces and consumes; a wrong password is refused', async () => {
    expect(properties).toMatchObject({ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'SCRAM-SHA-512', 'sasl.username': 'admin' });
    const client = kafka(properties['sasl.password']!);
    const admin = client.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1, replicationFactor: 3 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = client.producer();
    await producer.connect();
    await producer.send({ topic: TOPIC, acks: -1, messages: VALUES.map((value) => ({ value })) });
    await producer.disconnect();
    expect(await readValuesWithKafkaJs(client, TOPIC, 'dev-secure-group', VALUES.length)).toEqual(VALUES);
    expect((await listTopicsError(kafka('not-the-password')))?.name).toBe('KafkaJSSASLAuthenticationError');
    // Its twin for Kafka's Java tools: the same listeners and user, as JAAS and a PEM truststore.
    const java = getProperties(readFileSync(path.join(path.dirname(propertiesFile), 'client-java.properties'), 'utf8'));
    expect(java).toMatchObject({ 'bootstrap.servers': properties['bootstrap.servers'], 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': properties['ssl.ca.location'] });
    expect(java['sasl.jaas.config']).toBe(`org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${properties['sasl.password']}";`);
  });

  it.skipIf(!KCAT)(KCAT ? 'kcat -F client.properties lists metadata, produces and consumes' : 'kcat SKIPPED: no kcat on PATH', async () => {
    const listing = JSON.parse((await runKcat(['-F', propertiesFile, '-L', '-J'])).stdout) as { brokers: Array<{ name: string }> };
    expect(listing.brokers.map((b) => b.name).sort()).toEqual(properties['bootstrap.servers']!.split(',').sort());
    const admin = kafka(properties['sasl.password']!).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: KCAT_TOPIC, numPartitions: 1, replicationFactor: 3 }], waitForLeaders: true });
    await admin.disconnect();
    await runKcat(['-F', propertiesFile, '-P', '-t', KCAT_TOPIC, '-p', '0'], { input: `${VALUES.join('\n')}\n` });
    const { stdout } = await runKcat(['-F', propertiesFile, '-C', '-t', KCAT_TOPIC, '-o', 'beginning', '-c', String(VALUES.length), '-e']);
    expect(stdout.trim().split('\n')).toEqual(VALUES);
  });

  it('quill topics list --config client.properties lists the topics over SASL_SSL', async () => {
    const admin = kafka(properties['sasl.password']!).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: CLI_TOPIC, numPartitions: 1, replicationFactor: 3 }], waitForLeaders: true });
    await admin.disconnect();
    const listed = await runQuill(['topics', 'list', '--json', '--config', propertiesFile]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(CLI_TOPIC);
  });
});
