import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Service } from 'kubernetes-models/v1/Service';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { parseAllDocuments } from 'yaml';

/** A Kubernetes object as read from YAML: its kind and name, and the rest untyped. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/** The kinds the manifests use, each with its model from the Kubernetes OpenAPI schema. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/StatefulSet': StatefulSet,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

export interface Kustomization {
  namespace: string;
  resources: string[];
}

export function readKustomization(dir: string): Kustomization {
  return parseAllDocuments(fs.readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8'))[0]!.toJS() as Kustomization;
}

/** Every document of every resource file the kustomization lists, in order. */
export function readManifests(dir: string): Manifest[] {
  return readKustomization(dir).resources.flatMap((file) =>
    parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8')).map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
      return doc.toJS() as Manifest;
    }),
  );
}

/** Throws the schema's complaint, or an unknown kind; returns nothing when `manifest` is valid. */
export function validateManifest(manifest: Manifest): void {
  const Model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
  if (Model === undefined) throw new Error(`no schema here for ${manifest.apiVersion} ${manifest.kind}`);
  new Model(manifest as never).validate();
}

/** True when every key/value of `selector` is among `labels`. */
export function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (selector === undefined || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}

/**
 * Kubernetes' own expansion of a container's command and args: `$(NAME)` of a variable the
 * container defines becomes its value, `$$` becomes `$`, anything else stays as written.
 */
export function expandKubernetesVariables(text: string, env: Readonly<Record<string, string>>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string | undefined) => {
    if (name === undefined) return '$';
    return env[name] ?? whole;
  });
}

/**
 * The argv `quill` receives when the container's shell command runs in the pod `podName`: the
 * command runs in a real `sh` with a `quill` on the PATH that only writes its arguments out.
 */
export function quillArgvInPod(container: IContainer, podName: string, env: Readonly<Record<string, string>>): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-k8s-argv-'));
  try {
    const shim = path.join(dir, 'quill');
    fs.writeFileSync(shim, `#!/bin/sh\nprintf '%s\\0' "$@" > '${dir}/argv'\n`, { mode: 0o755 });
    const [program, ...rest] = [...(container.command ?? []), ...(container.args ?? [])].map((part) => expandKubernetesVariables(part, env));
    execFileSync(program!, rest, { env: { PATH: `${dir}:/usr/bin:/bin`, HOSTNAME: podName, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    return fs.readFileSync(path.join(dir, 'argv'), 'utf8').split('\0').slice(0, -1);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `--name value` pairs of an argv after its positional words (every option here takes a value). */
export function optionsOf(argv: readonly string[]): Map<string, string> {
  const options = new Map<string, string>();
  for (let i = argv.findIndex((word) => word.startsWith('--')); i >= 0 && i < argv.length; i += 2) {
    const name = argv[i]!;
    if (!name.startsWith('--')) throw new Error(`'${name}' in ${argv.join(' ')} is not an option`);
    if (i + 1 >= argv.length) throw new Error(`${name} has no value in ${argv.join(' ')}`);
    options.set(name.slice(2), argv[i + 1]!);
  }
  return options;
}

/** The option names (without `--`) a `quill ... --help` text lists. */
export function optionsInHelp(help: string): Set<string> {
  return new Set([...help.matchAll(/^ {2}--([a-z0-9-]+)/gm)].map((match) => match[1]!));
}
