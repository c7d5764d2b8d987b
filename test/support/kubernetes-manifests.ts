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
  /** Unset in an overlay that keeps its base's. */
  namespace?: string;
  /** Files, or directories holding a kustomization of their own (a base). */
  resources: string[];
  /** Strategic-merge patches, each naming the object it patches by its kind and name. */
  patches?: Array<{ path: string }>;
}

export function readKustomization(dir: string): Kustomization {
  return parseAllDocuments(fs.readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8'))[0]!.toJS() as Kustomization;
}

/** The namespace the kustomization in `dir` puts its objects in: its own, else its bases'. */
export function namespaceOf(dir: string): string | undefined {
  const kustomization = readKustomization(dir);
  if (kustomization.namespace !== undefined) return kustomization.namespace;
  const bases = kustomization.resources.map((resource) => path.join(dir, resource)).filter((location) => fs.statSync(location).isDirectory());
  return bases.map(namespaceOf).find((namespace) => namespace !== undefined);
}

function readDocuments(file: string): Manifest[] {
  return parseAllDocuments(fs.readFileSync(file, 'utf8')).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return doc.toJS() as Manifest;
  });
}

/**
 * What `kubectl kustomize dir` builds, for the kustomizations of deploy/: every document
 * of its resources in order (a directory's read as a kustomization), then its patches applied,
 * each to the object of its kind and name. Other kustomize features are refused, not ignored.
 */
export function readManifests(dir: string): Manifest[] {
  const kustomization = readKustomization(dir);
  const manifests = kustomization.resources.flatMap((resource) => {
    const location = path.join(dir, resource);
    if (!fs.statSync(location).isDirectory()) return readDocuments(location);
    // As kustomize: a base may not contain the kustomization that uses it (it calls that a cycle).
    if (!path.relative(location, dir).startsWith('..')) throw new Error(`${dir}: its base ${resource} contains it`);
    return readManifests(location);
  });
  for (const entry of kustomization.patches ?? []) {
    if (Object.keys(entry).join() !== 'path') throw new Error(`${dir}: only patches given by path are applied here, not ${JSON.stringify(entry)}`);
    for (const patch of readDocuments(path.join(dir, entry.path))) {
      const index = manifests.findIndex((m) => m.kind === patch.kind && m.metadata.name === patch.metadata.name);
      if (index < 0) throw new Error(`${entry.path}: no ${patch.kind}/${patch.metadata.name} to patch`);
      manifests[index] = strategicMerge(manifests[index], patch) as Manifest;
    }
  }
  return manifests;
}

/**
 * The merge keys (the Kubernetes API's patchMergeKey) of the lists the patches here touch, by the
 * field holding the list. A list of any other field (a container's args) is replaced whole, as
 * strategic merge does for lists without a merge key.
 */
const MERGE_KEYS: Readonly<Record<string, string>> = { containers: 'name', initContainers: 'name', volumes: 'name', volumeMounts: 'mountPath', env: 'name' };

/**
 * Kubernetes' strategic merge patch, as far as deploy/kubernetes-secure uses it: objects merge field by
 * field, lists with a merge key item by item (an item of the patch merges into the base's item of
 * the same key, or is added), anything else the patch gives replaces the base's. Directives
 * (`$patch`, `$setElementOrder`...) and null (deletion) are refused.
 */
export function strategicMerge(base: unknown, patch: unknown, field?: string): unknown {
  if (patch === null) throw new Error(`strategicMerge: null (deletion) of ${field ?? 'the object'} is not supported here`);
  if (isObject(base) && isObject(patch)) {
    const merged: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(patch)) {
      if (key.startsWith('$')) throw new Error(`strategicMerge: the directive ${key} is not supported here`);
      merged[key] = key in base ? strategicMerge(base[key], value, key) : value;
    }
    return merged;
  }
  const mergeKey = field === undefined ? undefined : MERGE_KEYS[field];
  if (Array.isArray(base) && Array.isArray(patch) && mergeKey !== undefined) {
    const merged: unknown[] = [...base];
    for (const item of patch) {
      const index = merged.findIndex((existing) => isObject(existing) && isObject(item) && existing[mergeKey] === item[mergeKey]);
      if (index >= 0) merged[index] = strategicMerge(merged[index], item);
      else merged.push(item);
    }
    return merged;
  }
  return patch;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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

/**
 * `--name value` pairs of an argv after its positional words; an option followed by another or by
 * nothing is a flag (`--authorizer`), given as 'true' (no value here starts with `--`).
 */
export function optionsOf(argv: readonly string[]): Map<string, string> {
  const options = new Map<string, string>();
  for (let i = argv.findIndex((word) => word.startsWith('--')); i >= 0 && i < argv.length; ) {
    const name = argv[i]!;
    if (!name.startsWith('--')) throw new Error(`'${name}' in ${argv.join(' ')} is not an option`);
    const value = argv[i + 1];
    const flag = value === undefined || value.startsWith('--');
    options.set(name.slice(2), flag ? 'true' : value);
    i += flag ? 1 : 2;
  }
  return options;
}

/** The option names (without `--`) a `quill ... --help` text lists. */
export function optionsInHelp(help: string): Set<string> {
  return new Set([...help.matchAll(/^ {2}--([a-z0-9-]+)/gm)].map((match) => match[1]!));
}
