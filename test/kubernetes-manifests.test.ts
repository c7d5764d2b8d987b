import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '@quill/testing';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  namespaceOf,
  optionsInHelp,
  optionsOf,
  quillArgvInPod,
  readKustomization,
  readManifests,
  selects,
  strategicMerge,
  validateManifest,
  type Manifest,
} from './support/kubernetes-manifests.js';
import { runQuill } from './support/run-quill.js';

// deploy/kubernetes and its secure overlay (deploy/kubernetes-secure, its patches applied):
// every document validates against the Kubernetes schema of its kind, the names, labels and
// selectors agree, the probes reach a port the container opens, and each pod runs a real `quill`
// command whose options (on the command line and in the ConfigMap's file) the CLI accepts, with
// node ids, voters and advertised names that fit the pods' DNS names. The overlay's pods run with
// TLS, SASL and ACLs, each with its own certificate from the Secret, and the certificates its
// header says how to make are valid for the names the pods are dialed by.

const BASE_DIR = path.join(REPO_ROOT, 'deploy', 'kubernetes');
const SECURE_DIR = path.join(REPO_ROOT, 'deploy', 'kubernetes-secure');

interface StatefulSetSpec {
  serviceName: string;
  replicas: number;
  selector: { matchLabels: Record<string, string> };
  template: {
    metadata: { labels: Record<string, string> };
    spec: { containers: IContainer[]; volumes?: Array<{ name: string; configMap?: { name: string }; secret?: { secretName: string } }> };
  };
  volumeClaimTemplates?: Array<{ metadata: { name: string } }>;
}
interface ServiceSpec {
  clusterIP?: string;
  selector: Record<string, string>;
  ports: Array<{ name: string; port: number; targetPort: string | number }>;
}

const ROLES = { 'quill-controller': 'controller', 'quill-broker': 'broker' } as const;
/** Node ids: controllers 1-3 from ordinal 0, brokers from 4. */
const FIRST_NODE_ID = { controller: 1, broker: 4 } as const;
const portOf = (address: string): number => Number(address.slice(address.lastIndexOf(':') + 1));

/** The Secret the secure overlay's pods take their certificates from. */
const TLS_SECRET = 'quill-tls';

/** Each pod's options (command line over its config file), by pod name, as the CLI would get them. */
type PodOptions = Map<string, { role: 'controller' | 'broker'; options: Map<string, string>; certDir: string | undefined }>;

/**
 * The checks every kustomization here passes; `onPods` gets each pod's options once the CLI has
 * accepted them.
 */
function describeKustomization(dir: string, onPods?: (pods: PodOptions, namespace: string) => void | Promise<void>): void {
  const manifests = readManifests(dir);
  const namespace = namespaceOf(dir)!;
  const ofKind = (kind: string): Manifest[] => manifests.filter((m) => m.kind === kind);
  const statefulSets = ofKind('StatefulSet').map((m) => ({ name: m.metadata.name, spec: m['spec'] as StatefulSetSpec }));
  const services = ofKind('Service').map((m) => ({ name: m.metadata.name, spec: m['spec'] as ServiceSpec }));
  const configMaps = new Map(ofKind('ConfigMap').map((m) => [m.metadata.name, m['data'] as Record<string, string>]));

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

  /** Where the pod mounts the TLS Secret (read-only), if it does. */
  function certDirOf(set: (typeof statefulSets)[number], container: IContainer): string | undefined {
    const volume = set.spec.template.spec.volumes?.find((v) => v.secret?.secretName === TLS_SECRET);
    const mount = container.volumeMounts?.find((m) => m.name === volume?.name);
    if (mount !== undefined) expect(mount.readOnly, `${set.name}: ${TLS_SECRET} mounted read-only`).toBe(true);
    return mount?.mountPath;
  }

  describe(path.relative(REPO_ROOT, dir), () => {
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
      const pods: PodOptions = new Map();
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
          pods.set(pod, { role, options, certDir: certDirOf(set, container!) });

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
      await onPods?.(pods, namespace);
    }, 30_000);
  });
}

describeKustomization(BASE_DIR, (pods) => {
  for (const [pod, { options, certDir }] of pods) {
    expect(certDir, pod).toBeUndefined();
    expect(options.has('security-protocol'), pod).toBe(false);
  }
});

/** The line of the overlay's header that starts with `prefix` (a command it gives). */
function documentedLine(dir: string, prefix: string): string {
  const line = fs
    .readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8')
    .split('\n')
    .map((text) => text.replace(/^#\s*/, ''))
    .find((text) => text.startsWith(prefix));
  expect(line, `${dir}: no '${prefix}' in its header`).toBeDefined();
  return line!;
}

describeKustomization(SECURE_DIR, async (pods, namespace) => {
  expect(readKustomization(SECURE_DIR).namespace, 'the base\'s namespace').toBeUndefined();
  const superUsers = [...[...pods.keys()].map((pod) => `User:${pod}`), 'User:admin'].sort();
  for (const [pod, { role, options, certDir }] of pods) {
    expect(certDir, `${pod} mounts ${TLS_SECRET}`).toBeDefined();
    // Its own certificate, by the file names `quill certs create` writes.
    const own = { certificate: `${certDir}/${pod}.pem`, key: `${certDir}/${pod}-key.pem` };
    expect(options.get('ssl-certificate-location'), pod).toBe(own.certificate);
    expect(options.get('ssl-key-location'), pod).toBe(own.key);
    expect(options.get('ssl-ca-location'), pod).toBe(`${certDir}/ca.pem`);
    expect(options.get('authorizer'), pod).toBe('true');
    expect(options.get('super-users')!.split(';').sort(), pod).toEqual(superUsers);
    if (role === 'controller') {
      expect(options.get('security-protocol'), pod).toBe('SSL');
      expect(options.get('ssl-client-auth'), pod).toBe('required');
    } else {
      expect(options.get('security-protocol'), pod).toBe('SASL_SSL');
      expect(options.get('ssl-client-auth'), pod).toBe('requested');
      expect(options.get('kafka-security-protocol'), pod).toBe('SASL_SSL');
      expect(options.get('kafka-ssl-certificate-location'), pod).toBe(own.certificate);
      expect(options.get('kafka-ssl-key-location'), pod).toBe(own.key);
      expect(options.get('kafka-sasl-enabled-mechanisms'), pod).toBe('SCRAM-SHA-512');
    }
  }

  // The header's `quill certs create`, run: a certificate per pod (CN the pod, so User:<pod>) valid
  // for the names the pod is dialed by, and admin's.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-k8s-certs-'));
  try {
    // Its words split at spaces, single quotes around one removed (as the shell would).
    const argv = documentedLine(SECURE_DIR, 'pnpm quill certs create').split(/\s+/).slice(2).map((word) => word.replace(/^'(.*)'$/, '$1'));
    argv[argv.indexOf('--dir') + 1] = path.join(dir, 'certs');
    const made = await runQuill(argv);
    expect(made.code, made.stderr).toBe(0);
    for (const [pod, { role, options }] of pods) {
      const certificate = new X509Certificate(fs.readFileSync(path.join(dir, 'certs', `${pod}.pem`)));
      expect(certificate.subject, pod).toBe(`CN=${pod}`);
      const hostOf = (address: string): string => address.slice(0, address.lastIndexOf(':'));
      const dialedAs =
        role === 'controller'
          ? options.get('voters')!.split(',').map((voter) => hostOf(voter.slice(voter.indexOf('@') + 1))).filter((host) => host.startsWith(`${pod}.`))
          : [hostOf(options.get('advertised')!), hostOf(options.get('kafka-advertised-listener')!), 'quill', `quill.${namespace}.svc.cluster.local`];
      expect(dialedAs.length, pod).toBeGreaterThan(0);
      for (const host of dialedAs) expect(certificate.checkHost(host), `${pod} as ${host}`).toBe(host);
      expect(certificate.checkHost(`other.${pod}`), pod).toBeUndefined();
    }
    expect(new X509Certificate(fs.readFileSync(path.join(dir, 'certs', 'admin.pem'))).subject).toBe('CN=admin');
    // The header's Secret, its file list run in a shell beside those certificates: every .pem but the CA's key.
    const secret = documentedLine(SECURE_DIR, 'kubectl -n quill create secret');
    expect(secret).toContain(`create secret generic ${TLS_SECRET} $(`);
    const listing = secret.slice(secret.indexOf('$(') + 2, secret.lastIndexOf(')'));
    const fromFiles = execFileSync('/bin/sh', ['-c', `printf '%s\\n' $(${listing})`], { cwd: dir, encoding: 'utf8' }).split('\n').filter((word) => word.length > 0);
    const names = [...pods.keys(), 'admin'].flatMap((name) => [`${name}.pem`, `${name}-key.pem`]);
    expect(fromFiles.sort()).toEqual(['ca.pem', ...names].map((file) => `--from-file=certs/${file}`).sort());
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

describe('deploy/kubernetes-secure beside deploy/kubernetes', () => {
  it('changes only the start scripts and adds the certificates\' volume: probes, ports and the rest are the base\'s', () => {
    /** A StatefulSet without its start script and its volumes of the TLS Secret. */
    const withoutSecurity = (manifest: Manifest): unknown => {
      const copy = structuredClone(manifest);
      const pod = (copy['spec'] as StatefulSetSpec).template.spec;
      const tls = new Set((pod.volumes ?? []).filter((v) => v.secret?.secretName === TLS_SECRET).map((v) => v.name));
      pod.volumes = (pod.volumes ?? []).filter((v) => !tls.has(v.name));
      for (const container of pod.containers) {
        delete container.args;
        container.volumeMounts = (container.volumeMounts ?? []).filter((m) => !tls.has(m.name));
      }
      return copy;
    };
    const base = readManifests(BASE_DIR);
    const secure = readManifests(SECURE_DIR);
    expect(secure.map((m) => `${m.kind}/${m.metadata.name}`)).toEqual(base.map((m) => `${m.kind}/${m.metadata.name}`));
    secure.forEach((manifest, i) => {
      if (manifest.kind === 'StatefulSet') expect(withoutSecurity(manifest), manifest.metadata.name).toEqual(withoutSecurity(base[i]!));
      else expect(manifest).toEqual(base[i]);
    });
  });
});

describe('strategicMerge (the overlay\'s patches as kustomize applies them)', () => {
  it('merges objects by field, containers, volumes and mounts by their keys, and replaces args whole', () => {
    const base = {
      spec: {
        replicas: 3,
        containers: [{ name: 'a', args: ['x', 'y'], volumeMounts: [{ name: 'data', mountPath: '/d' }], ports: [{ containerPort: 1 }] }],
        volumes: [{ name: 'config', configMap: { name: 'c' } }],
      },
    };
    const patch = {
      spec: {
        containers: [{ name: 'a', args: ['z'], volumeMounts: [{ name: 'certs', mountPath: '/c', readOnly: true }] }],
        volumes: [{ name: 'certs', secret: { secretName: 's' } }],
      },
    };
    expect(strategicMerge(base, patch)).toEqual({
      spec: {
        replicas: 3,
        containers: [{ name: 'a', args: ['z'], volumeMounts: [{ name: 'data', mountPath: '/d' }, { name: 'certs', mountPath: '/c', readOnly: true }], ports: [{ containerPort: 1 }] }],
        volumes: [{ name: 'config', configMap: { name: 'c' } }, { name: 'certs', secret: { secretName: 's' } }],
      },
    });
    expect(() => strategicMerge(base, { spec: { $patch: 'replace' } })).toThrow(/directive/);
  });
});

describe('readManifests (what kustomize builds)', () => {
  it('refuses an overlay inside its base, as kustomize does', () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-k8s-base-'));
    try {
      fs.writeFileSync(path.join(base, 'kustomization.yaml'), 'resources: []\n');
      fs.mkdirSync(path.join(base, 'overlay'));
      fs.writeFileSync(path.join(base, 'overlay', 'kustomization.yaml'), 'resources: [..]\n');
      expect(readManifests(base)).toEqual([]);
      expect(() => readManifests(path.join(base, 'overlay'))).toThrow(/its base \.\. contains it/);
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  });
});
