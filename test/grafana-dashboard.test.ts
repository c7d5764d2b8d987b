import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, startCluster, type TestCluster } from '@quill/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// deploy/grafana/quill-dashboard.json: it parses as a dashboard whose every panel queries
// Prometheus, and every metric its queries name is one that a running cluster's nodes export
// (read from their /metrics), so a renamed metric breaks this test instead of a panel.

const DASHBOARD = path.join(REPO_ROOT, 'deploy', 'grafana', 'quill-dashboard.json');
/** Metric names in PromQL: ours and prom-client's process and Node.js defaults. */
const METRIC_NAME = /\b(?:quill|process|nodejs)_[a-z0-9_]+\b/g;
/** What the operator looks at first: each must be on the dashboard. */
const REQUIRED = [
  'quill_request_duration_seconds_count',
  'quill_request_duration_seconds_bucket',
  'quill_under_replicated_partitions',
  'quill_offline_partitions',
  'quill_topic_bytes_in_total',
  'quill_topic_bytes_out_total',
  'quill_consumer_group_lag',
  'quill_isr_shrinks_total',
  'quill_isr_expands_total',
  'quill_raft_term',
  'quill_controller_active',
  'process_resident_memory_bytes',
  'nodejs_eventloop_lag_p99_seconds',
];

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: Array<{ refId: string; expr: string }>;
}

/** Sample names a Prometheus text exposition declares (`# TYPE` lines), with a histogram's and a summary's series. */
function exportedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(`${name}${suffix}`);
  }
  return names;
}

const dashboard = JSON.parse(fs.readFileSync(DASHBOARD, 'utf8')) as { title: string; uid: string; panels: Panel[]; templating: { list: Array<{ name: string; type: string }> } };
const queryPanels = dashboard.panels.filter((p) => p.type !== 'row');
const usedNames = new Set(queryPanels.flatMap((p) => (p.targets ?? []).flatMap((t) => t.expr.match(METRIC_NAME) ?? [])));

let cluster: TestCluster | undefined;
beforeAll(async () => {
  cluster = await startCluster({ brokers: 1 });
}, 60_000);
afterAll(async () => cluster?.stop());

describe('deploy/grafana/quill-dashboard.json', () => {
  it('is a dashboard whose panels all query the Prometheus data source it asks for', () => {
    expect(dashboard.title).toBe('Quill');
    expect(dashboard.templating.list).toContainEqual(expect.objectContaining({ name: 'datasource', type: 'datasource' }));
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
    for (const panel of queryPanels) {
      expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets!) expect(target.expr.match(METRIC_NAME), `${panel.title}: ${target.expr}`).not.toBeNull();
    }
    for (const name of REQUIRED) expect(usedNames, name).toContain(name);
  });

  it('queries only metrics the nodes export', async () => {
    const exported = new Set<string>();
    for (const url of cluster!.metricsUrls) {
      const response = await fetch(url);
      expect(response.status, url).toBe(200);
      for (const name of exportedNames(await response.text())) exported.add(name);
    }
    // Both roles answered: a controller's metric and a broker's are among them.
    expect(exported).toContain('quill_raft_term');
    expect(exported).toContain('quill_under_replicated_partitions');
    expect([...usedNames].filter((name) => !exported.has(name))).toEqual([]);
  });
});
