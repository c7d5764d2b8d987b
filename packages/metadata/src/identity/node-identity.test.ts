import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkNodeIdentity } from './node-identity.js';

let root: string | undefined;
afterEach(() => {
  if (root !== undefined) fs.rmSync(root, { recursive: true, force: true });
  root = undefined;
});

function dataDir(): string {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-identity-'));
  return path.join(root, 'node', 'data');
}

describe('checkNodeIdentity', () => {
  it('binds a new directory (and its missing parents) to the cluster and node, then accepts the same pair again', () => {
    const dir = dataDir();
    checkNodeIdentity(dir, 'cluster-a', 1);
    expect(fs.readFileSync(path.join(dir, 'meta.properties'), 'utf8')).toBe('cluster.id=cluster-a\nnode.id=1\nversion=1\n');
    expect(() => checkNodeIdentity(dir, 'cluster-a', 1)).not.toThrow();
  });

  it("refuses another cluster's directory with INCONSISTENT_CLUSTER_ID", () => {
    const dir = dataDir();
    checkNodeIdentity(dir, 'cluster-a', 1);
    expect(() => checkNodeIdentity(dir, 'cluster-b', 1)).toThrow(expect.objectContaining({ code: 'INCONSISTENT_CLUSTER_ID' }));
  });

  it("refuses another node's directory", () => {
    const dir = dataDir();
    checkNodeIdentity(dir, 'cluster-a', 1);
    expect(() => checkNodeIdentity(dir, 'cluster-a', 2)).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST', message: expect.stringContaining('belongs to node 1, not 2') }));
  });
});
