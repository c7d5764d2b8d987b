import path from 'node:path';
import { REPO_ROOT } from '@quill/testing';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  optionsInHelp,
  optionsOf,
  quillArgvInPod,
  readKustomization,
  readManifests,
  selects,
  validateManifest,
  type Manifest,
} from './support/kubernetes-manifests.js';
import { runQuill } from './support/run-quill.js';

// deploy/kubernetes: every document validates against the Kubernetes schema of its kind, the
// names, labels and selectors agree, the probes reach a port the container opens, and each pod
// runs a real `quill` command whose options (on the command line and in the ConfigMap's file)
// the CLI accepts, with node ids, voters and advertised names that fit the pods' DNS names.

const DIR = path.join(REPO_ROOT, 'deploy', 'kubernetes');
const manifests = readManifests(DIR);
const { namespace } = readKustomization(DIR);

interface StatefulSetSpec {
  serviceName: string;
  replicas: number;
  selector: { matchLabels: Record<string, string> };
  template: {
    metadata: { labels: Record<string, string> };
    spec: { containers: IContainer[]; volumes?: Array<{ name: string; configMap?: { name: string } }> };
  };
  volumeClaimTemplates?: Array<{ metadata: { name: string } }>;
}
interface ServiceSpec {
  clusterIP?: string;
  selector: Record<string, string>;
  ports: Array<{ name: string; port: number; targetPort: string | number }>;
}

const ofKind = (kind: string): Manifest[] => manifests.filter((m) => m.kind === kind);
const statefulSets = ofKind('StatefulSet').map((m) => ({ name: m.metadata.name, spec: m['spec'] as StatefulSetSpec }));
const services = ofKind('Service').map((m) => ({ name: m.metadata.name, spec: m['spec'] as ServiceSpec }));
const configMaps = new Map(ofKind('ConfigMap').map((m) => [m.metadata.name, m['data'] as Record<string, string>]));

const ROLES = { 'quill-controller': 'controller', 'quill-broker': 'broker' } as const;
/** Node ids: controllers 1-3 from ordinal 0, brokers from 4. */
const FIRST_NODE_ID = { controller: 1, broker: 4 } as const;

/** The file a pod's `--config` names, parsed, from the ConfigMap mounted at its directory. */
function configFile(set: (typeof statefulSets)[number], container: IContainer, file: string): Record<string, unknown> {
  const mount = container.volumeMounts?.find((m) => file.startsWith(`${m.mountPath}/`));
  expect(mount, `${set.name}: nothing is mounted at ${file}`).toBeDefined();
  const volume = set.spec.template.spec.volumes?.find((v) => v.name === mount!.name);
  const data = configMaps.get(volume?.configMap?.name ?? '');
  expect(data, `${set.name}: ${file} is not from a ConfigMap of the manifests`).toBeDefined();
  const key = file.slice(mount!.mountPath.length + 1);
  expect(data![key], `${set.name}: no key ${key} in its ConfigMap`).toBeDefined();
  return parseYaml(data![key]!) as Record<string, unknown>;
}

const portOf = (address: string): number => Number(address.slice(address.lastIndexOf(':') + 1));

describe('deploy/kubernetes', () => {
  it('holds the kinds a cluster needs, and every document validates against its Kubernetes schema', () => {
    expect(manifests.map((m) => `${m.kind}/${m.metadata.name}`).sort()).toEqual(
      [
        'ConfigMap/quill-config',
        'Namespace/quill',
        'PodDisruptionBudget/quill-broker',
        'PodDisruptionBudget/quill-controller',
        'Service/quill',
        'Service/quill-broker',
        'Service/quill-controller',
        'StatefulSet/quill-broker',
        'StatefulSet/quill-controller',
      ].sort(),
    );
    expect(namespace).toBe('quill');
    for (const manifest of manifests) {
      expect(() => validateManifest(manifest), `${manifest.kind}/${manifest.metadata.name}`).not.toThrow();
      expect(manifest.metadata.labels?.['app.kubernetes.io/name'], `${manifest.kind}/${manifest.metadata.name}`).toBe('quill');
    }
  });

  it('a schema violation is caught (the validator is not a no-op)', () => {
    const set = structuredClone(ofKind('StatefulSet')[0]!);
    (set['spec'] as StatefulSetSpec).template.spec.containers[0]!.ports![0]!.containerPort = 'ninety' as never;
    expect(() => validateManifest(set)).toThrow(/containerPort must be integer/);
  });

  it('selectors, services, volumes and probes agree with the StatefulSets', () => {
    for (const set of statefulSets) {
      const podLabels = set.spec.template.metadata.labels;
      expect(selects(set.spec.selector.matchLabels, podLabels), set.name).toBe(true);
      // Its stable names: a headless Service of the same pods, published before they are ready.
      const governing = services.find((s) => s.name === set.spec.serviceName);
      expect(governing?.spec.clusterIP, set.name).toBe('None');
      expect(selects(governing!.spec.selector, podLabels), set.name).toBe(true);
      expect((governing!.spec as { publishNotReadyAddresses?: boolean }).publishNotReadyAddresses, set.name).toBe(true);
      // Exactly one disruption budget, allowing one pod down.
      const budgets = ofKind('PodDisruptionBudget').filter((b) => selects((b['spec'] as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels, podLabels));
      expect(budgets.map((b) => (b['spec'] as { maxUnavailable: number }).maxUnavailable), set.name).toEqual([1]);

      const [container] = set.spec.template.spec.containers;
      const ports = new Set(container!.ports!.map((p) => p.name));
      for (const probe of [container!.startupProbe, container!.readinessProbe, container!.livenessProbe]) {
        expect(ports.has(String(probe?.httpGet?.port)), `${set.name}: probe on ${probe?.httpGet?.port}`).toBe(true);
      }
      expect(container!.readinessProbe!.httpGet!.path).toBe('/readyz');
      expect(container!.livenessProbe!.httpGet!.path).toBe('/healthz');
      expect(container!.resources?.limits?.['memory'], set.name).toBeDefined();
      expect(container!.resources?.requests?.['memory'], set.name).toBeDefined();
      const volumes = new Set([...(set.spec.template.spec.volumes ?? []).map((v) => v.name), ...(set.spec.volumeClaimTemplates ?? []).map((v) => v.metadata.name)]);
      for (const mount of container!.volumeMounts ?? []) expect(volumes.has(mount.name), `${set.name}: volume ${mount.name}`).toBe(true);
      expect(container!.volumeMounts!.find((m) => m.mountPath === '/var/lib/quill')?.name, set.name).toBe('data');
    }
    // Every Service selects the pods of a StatefulSet and targets ports their container opens.
    for (const service of services) {
      const sets = statefulSets.filter((set) => selects(service.spec.selector, set.spec.template.metadata.labels));
      expect(sets.map((s) => s.name), service.name).toHaveLength(1);
      const ports = new Set(sets[0]!.spec.template.spec.containers[0]!.ports!.map((p) => p.name));
      for (const port of service.spec.ports) expect(ports.has(String(port.targetPort)), `${service.name}: ${port.name}`).toBe(true);
    }
    // Clients bootstrap from `quill`: ready brokers only, gRPC and Kafka.
    const client = services.find((s) => s.name === 'quill')!;
    expect(client.spec.clusterIP).toBeUndefined();
    expect(client.spec.ports.map((p) => p.name).sort()).toEqual(['grpc', 'kafka']);
  });

  it('each pod runs a quill command the CLI accepts, with ids, voters and addresses that fit the pods', async () => {
    const env = { POD_NAMESPACE: namespace };
    const controllerRaftPort = statefulSets.find((s) => s.name === 'quill-controller')!.spec.template.spec.containers[0]!.ports!.find((p) => p.name === 'raft')!.containerPort;
    const helps = await Promise.all(Object.values(ROLES).map((role) => runQuill([role, 'start', '--help'])));
    const helpOf = new Map(Object.values(ROLES).map((role, i) => [role, helps[i]!]));
    for (const set of statefulSets) {
      const role = ROLES[set.name as keyof typeof ROLES];
      expect(role, set.name).toBeDefined();
      const [container] = set.spec.template.spec.containers;
      const help = helpOf.get(role)!;
      expect(help.code, help.stderr).toBe(0);
      const accepted = optionsInHelp(help.stdout);
      expect(accepted.has('node-id')).toBe(true);
      const portsByName = new Map(container!.ports!.map((p) => [p.name, p.containerPort]));

      for (let ordinal = 0; ordinal < set.spec.replicas; ordinal++) {
        const pod = `${set.name}-${ordinal}`;
        const argv = quillArgvInPod(container!, pod, env);
        expect(argv.slice(0, 2), pod).toEqual([role, 'start']);
        const cli = optionsOf(argv.slice(2));
        const file = configFile(set, container!, cli.get('config')!);
        const options = new Map([...Object.entries(file).map(([k, v]) => [k, String(v)] as const), ...cli]);
        for (const name of options.keys()) expect(accepted.has(name), `${pod}: --${name} is not an option of quill ${role} start`).toBe(true);

        expect(options.get('node-id'), pod).toBe(String(FIRST_NODE_ID[role] + ordinal));
        expect(options.get('data-dir'), pod).toBe('/var/lib/quill');
        expect(portOf(options.get('metrics-listen')!), pod).toBe(portsByName.get('metrics'));
        // The voters: controller pod i is node i + 1 at its stable name, on the port controllers listen on.
        const voters = options.get(role === 'controller' ? 'voters' : 'controllers')!;
        expect(voters, pod).toBe([0, 1, 2].map((i) => `${FIRST_NODE_ID.controller + i}@quill-controller-${i}.quill-controller:${controllerRaftPort}`).join(','));
        if (role === 'controller') {
          expect(portOf(options.get('listen')!), pod).toBe(portsByName.get('raft'));
        } else {
          const dns = `${pod}.${set.spec.serviceName}.${namespace}.svc.cluster.local`;
          expect(portOf(options.get('listen')!), pod).toBe(portsByName.get('grpc'));
          expect(options.get('advertised'), pod).toBe(`${dns}:${portsByName.get('grpc')}`);
          expect(portOf(options.get('kafka-listen')!), pod).toBe(portsByName.get('kafka'));
          expect(options.get('kafka-advertised-listener'), pod).toBe(`${dns}:${portsByName.get('kafka')}`);
        }
      }
    }
  }, 30_000);
});
