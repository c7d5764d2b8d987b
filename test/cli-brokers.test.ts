import { describe, expect, it } from 'vitest';
import { quillAgainstCluster } from './support/run-quill.js';

// `quill brokers list` and `quill cluster status` against a real cluster, with nothing but --bootstrap.

const { cluster, quill } = quillAgainstCluster();

interface BrokerRow {
  id: number;
  state: string;
  rack: string | null;
  endpoint: string;
  kafkaEndpoint: string | null;
  partitions: number;
  leaders: number;
}

const listBrokers = async (): Promise<BrokerRow[]> => {
  const run = await quill(['brokers', 'list', '--json']);
  expect(run.code, run.stderr).toBe(0);
  return (JSON.parse(run.stdout) as { brokers: BrokerRow[] }).brokers;
};

describe('quill brokers list and cluster status from --bootstrap', () => {
  it('lists each broker with its endpoint, replicas and leaders, and a killed broker as fenced', async () => {
    expect((await quill(['topics', 'create', 'cli-brokers', '--partitions', '4', '--replication-factor', '2'])).code).toBe(0);
    const rows = await listBrokers();
    expect(rows.map((r) => [r.id, r.state, r.endpoint, r.kafkaEndpoint, r.rack])).toEqual(cluster().bootstrap.map((address, i) => [i + 1, 'running', address, cluster().kafkaBootstrap[i], null]));
    expect(rows.reduce((sum, r) => sum + r.partitions, 0)).toBe(8);
    expect(rows.reduce((sum, r) => sum + r.leaders, 0)).toBe(4);

    const table = await quill(['brokers', 'list']);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+STATE\s+RACK\s+ENDPOINT\s+KAFKA\s+PARTITIONS\s+LEADERS$/);

    await cluster().kill(3);
    await expect.poll(async () => (await listBrokers()).find((r) => r.id === 3)?.state, { timeout: 15_000, interval: 200 }).toBe('fenced');
    await cluster().restart(3);
    await expect.poll(async () => (await listBrokers()).find((r) => r.id === 3)?.state, { timeout: 15_000, interval: 200 }).toBe('running');
  });

  it('shows the controller quorum and the brokers without --controllers', async () => {
    const run = await quill(['cluster', 'status', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const status = JSON.parse(run.stdout) as { clusterId: string; leaderId: number; term: number; voters: Array<{ id: number }>; brokers: Array<{ id: number; state: string; endpoints: string[] }> };
    expect(status.clusterId).not.toBe('');
    expect(status.voters.map((v) => v.id)).toContain(status.leaderId);
    expect(status.term).toBeGreaterThan(0);
    expect(status.brokers.map((b) => b.id)).toEqual([1, 2, 3]);

    const text = await quill(['cluster', 'status']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`leader ${status.leaderId}`);
  });
});
