import { describe, expect, it } from 'vitest';
import { quillAgainstCluster } from './support/run-quill.js';

// `quill acls add|list|remove` against a real cluster: entries go through the controller into
// the metadata log and are listed and removed by Kafka's filters.

const { quill } = quillAgainstCluster();

interface AclsJson {
  acls: Array<{ resourceType: string; resourceName: string; resourcePatternType: string; principal: string; host: string; operation: string; permissionType: string }>;
}

async function listed(args: string[] = []): Promise<AclsJson['acls']> {
  const run = await quill(['acls', 'list', '--json', ...args]);
  expect(run.code, run.stderr).toBe(0);
  return (JSON.parse(run.stdout) as AclsJson).acls;
}

describe('quill acls', () => {
  it('adds, lists by filter and removes access control entries', async () => {
    const added = await quill(['acls', 'add', '--principal', 'User:alice', '--operation', 'READ', 'DESCRIBE', '--topic', 'orders']);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain('Added: ALLOW User:alice from * READ on TOPIC orders (LITERAL)');
    expect((await quill(['acls', 'add', '--principal', 'User:*', '--operation', 'WRITE', '--topic', 'ord', '--prefixed', '--deny'])).code).toBe(0);
    expect((await quill(['acls', 'add', '--principal', 'User:alice', '--operation', 'READ', '--group', 'g'])).code).toBe(0);
    const bad = await quill(['acls', 'add', '--principal', 'alice', '--operation', 'READ', '--topic', 'orders']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('INVALID_REQUEST');

    const all = await listed();
    expect(all).toHaveLength(4);
    expect(all).toContainEqual({ resourceType: 'GROUP', resourceName: 'g', resourcePatternType: 'LITERAL', principal: 'User:alice', host: '*', operation: 'READ', permissionType: 'ALLOW' });
    expect((await listed(['--topic', 'orders-eu', '--pattern', 'MATCH'])).map((a) => [a.resourceName, a.permissionType, a.operation])).toEqual([['ord', 'DENY', 'WRITE']]);

    const removed = await quill(['acls', 'remove', '--principal', 'User:alice', '--topic', 'orders']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout.split('\n').filter((line) => line.startsWith('Removed:'))).toHaveLength(2);
    expect((await quill(['acls', 'remove'])).code).not.toBe(0);
    expect((await listed()).map((a) => a.resourceType).sort()).toEqual(['GROUP', 'TOPIC']);
  });
});
