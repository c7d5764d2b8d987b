import fs from 'node:fs';
import path from 'node:path';
import { QuillError } from '@quill/proto';
import { createDirectoryDurably, writeFileDurablySync } from '@quill/storage';

const META_FILE = 'meta.properties';

/**
 * Binds a data directory to one cluster and node (Kafka's meta.properties): a node started with
 * another cluster id, or on another node's directory, refuses to start instead of mixing logs.
 */
export function checkNodeIdentity(dataDir: string, clusterId: string, nodeId: number): void {
  createDirectoryDurably(dataDir);
  const file = path.join(dataDir, META_FILE);
  if (!fs.existsSync(file)) {
    writeFileDurablySync(file, `cluster.id=${clusterId}\nnode.id=${nodeId}\nversion=1\n`);
    return;
  }
  const properties = new Map(
    fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')).trim(), line.slice(line.indexOf('=') + 1).trim()] as const),
  );
  if (properties.get('cluster.id') !== clusterId) {
    throw new QuillError('INCONSISTENT_CLUSTER_ID', `${dataDir} belongs to cluster '${properties.get('cluster.id')}', not '${clusterId}'.`);
  }
  if (properties.get('node.id') !== String(nodeId)) {
    throw new QuillError('INVALID_REQUEST', `${dataDir} belongs to node ${properties.get('node.id')}, not ${nodeId}.`);
  }
}

