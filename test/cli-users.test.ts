import fs from 'node:fs';
import path from 'node:path';
import { ApiKeys, type AlterUserScramCredentialsResponse, type DescribeUserScramCredentialsResponse } from '@quill/kafka-protocol';
import { scramSaltedPassword } from '@quill/security';
import { describe, expect, it } from 'vitest';
import { kafkaCall } from './support/kafka-call.js';
import { quillAgainstCluster } from './support/run-quill.js';

// `quill users create|list|delete` against a real cluster: SCRAM credentials in the metadata log,
// and the password neither printed nor written anywhere under the cluster's data.

const { cluster, quill } = quillAgainstCluster();
const PASSWORD = 'Pw-only-in-this-test-7f3a9c';

interface UsersJson {
  users: Array<{ name: string; credentials: Array<{ mechanism: string; iterations: number }> }>;
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : entry.isFile() ? [full] : [];
  });
}

describe('quill users', () => {
  it('creates, lists and deletes SCRAM credentials, and never prints or stores the password', async () => {
    const created = await quill(['users', 'create', '--name', 'alice', '--password', PASSWORD, '--mechanism', 'SCRAM-SHA-256', '--iterations', '8192']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain('SCRAM-SHA-256 credential of user alice');
    const tooFew = await quill(['users', 'create', '--name', 'carol', '--password', PASSWORD, '--iterations', '1000']);
    expect(tooFew.code).not.toBe(0);
    expect(tooFew.stderr).toContain('UNACCEPTABLE_CREDENTIAL');

    const listed = await quill(['users', 'list', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as UsersJson).users).toEqual([{ name: 'alice', credentials: [{ mechanism: 'SCRAM-SHA-256', iterations: 8192 }] }]);
    for (const run of [created, tooFew, listed]) expect(run.stdout + run.stderr).not.toContain(PASSWORD);
    const root = path.dirname(cluster().dataDir(1));
    expect(filesUnder(root).filter((file) => fs.readFileSync(file).includes(PASSWORD))).toEqual([]);

    expect((await quill(['users', 'delete', '--name', 'alice'])).code).toBe(0);
    const gone = await quill(['users', 'delete', '--name', 'alice']);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain('RESOURCE_NOT_FOUND');
    expect((await quill(['users', 'list'])).stdout).toContain('No users with SCRAM credentials.');
  });

  it("serves Kafka's AlterUserScramCredentials and DescribeUserScramCredentials on the Kafka listener", async () => {
    const kafka = cluster().kafkaBootstrap[0]!;
    const salt = Buffer.from('a-salt-from-the-client');
    const saltedPassword = scramSaltedPassword('SCRAM-SHA-512', PASSWORD, salt, 4096);
    const altered = await kafkaCall<AlterUserScramCredentialsResponse>(kafka, ApiKeys.AlterUserScramCredentials, 0, {
      deletions: [{ name: 'nobody', mechanism: 1 }],
      upsertions: [{ name: 'dave', mechanism: 2, iterations: 4096, salt, saltedPassword }],
    });
    expect(altered.results).toEqual([
      { user: 'nobody', errorCode: 91, errorMessage: 'Attempt to delete a user credential that does not exist' },
      { user: 'dave', errorCode: 0, errorMessage: null },
    ]);
    const described = await kafkaCall<DescribeUserScramCredentialsResponse>(kafka, ApiKeys.DescribeUserScramCredentials, 0, { users: [{ name: 'dave' }] });
    expect(described).toMatchObject({ errorCode: 0, results: [{ user: 'dave', errorCode: 0, credentialInfos: [{ mechanism: 2, iterations: 4096 }] }] });
  });
});
