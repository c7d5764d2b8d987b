import { eventually } from '@quill/test-support';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, ResourcePatternTypes, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { quillAgainstCluster } from './support/run-quill.js';

// `quill acls add|list|remove` against a real cluster: entries go through the controller into
// the metadata log and are listed and removed by Kafka's filters; KafkaJS's admin does the same
// over the Kafka listener (CreateAcls, DescribeAcls, DeleteAcls).

const { cluster, quill } = quillAgainstCluster();

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
    const all = await listed();
    expect(all).toHaveLength(4);
    expect(all).toContainEqual({ resourceType: 'GROUP', resourceName: 'g', resourcePatternType: 'LITERAL', principal: 'User:alice', host: '*', operation: 'READ', permissionType: 'ALLOW' });
    expect((await listed(['--topic', 'orders-eu', '--pattern', 'MATCH'])).map((a) => [a.resourceName, a.permissionType, a.operation])).toEqual([['ord', 'DENY', 'WRITE']]);

    const removed = await quill(['acls', 'remove', '--principal', 'User:alice', '--topic', 'orders']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout.split('\n').filter((line) => line.startsWith('Removed:'))).toHaveLength(2);
    expect((await listed()).map((a) => a.resourceType).sort()).toEqual(['GROUP', 'TOPIC']);
  });

  it("serves Kafka's CreateAcls, DescribeAcls and DeleteAcls to KafkaJS", async () => {
    const admin = new Kafka({ clientId: 'cli-acls-test', brokers: cluster().kafkaBootstrap, logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
    await admin.connect();
    try {
      const entry = {
        resourceType: AclResourceTypes.TOPIC,
        resourceName: 'kjs-',
        resourcePatternType: ResourcePatternTypes.PREFIXED,
        principal: 'User:kafkajs',
        host: '*',
        operation: AclOperationTypes.WRITE,
        permissionType: AclPermissionTypes.ALLOW,
      };
      expect(await admin.createAcls({ acl: [entry] })).toBe(true);
      await expect(admin.createAcls({ acl: [{ ...entry, principal: 'kafkajs' }] })).rejects.toMatchObject({ type: 'INVALID_REQUEST' });
      const filter = { resourceType: AclResourceTypes.TOPIC, resourceName: 'kjs-topic', resourcePatternType: ResourcePatternTypes.MATCH, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY };
      const described = await eventually(async () => {
        const answer = await admin.describeAcls(filter);
        return answer.resources.length > 0 ? answer : undefined;
      }, { description: 'the new ACL in the broker metadata' });
      expect(described.resources).toEqual([
        { resourceType: AclResourceTypes.TOPIC, resourceName: 'kjs-', resourcePatternType: ResourcePatternTypes.PREFIXED, acls: [{ principal: 'User:kafkajs', host: '*', operation: AclOperationTypes.WRITE, permissionType: AclPermissionTypes.ALLOW }] },
      ]);
      const deleted = await admin.deleteAcls({ filters: [{ ...filter, principal: 'User:kafkajs' }] });
      expect(deleted.filterResponses).toEqual([expect.objectContaining({ errorCode: 0, matchingAcls: [expect.objectContaining({ resourceName: 'kjs-', principal: 'User:kafkajs', operation: AclOperationTypes.WRITE })] })]);
    } finally {
      await admin.disconnect();
    }
  });
});
