import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { quillAgainstCluster } from './support/run-quill.js';

// `quill users create|list|delete` against a real cluster: SCRAM credentials in the metadata log,
// and the password neither printed nor written anywhere under the cluster's data.

const { cluster, quill } = quillAgainstCluster();
const PASSWORD = 'Pw-only-in-this-test-7f3a9c';

interface UsersJson {
  users: Array<{ name: string; credentials: Array<{ mechanism: string; iterations: number }> }>;
}

async function listUsers(): Promise<UsersJson['users']> {
  const run = await quill(['users', 'list', '--json']);
  expect(run.code, run.stderr).toBe(0);
  return (JSON.parse(run.stdout) as UsersJson).users;
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : entry.isFile() ? [full] : [];
  });
}

describe('quill users', () => {
  it('creates, lists and deletes SCRAM credentials, and never prints or stores the password', async () => {
    const runs = [
      await quill(['users', 'create', '--name', 'alice', '--password', PASSWORD, '--mechanism', 'SCRAM-SHA-256', '--iterations', '8192']),
      await quill(['users', 'create', '--name', 'alice', '--password', PASSWORD]),
      await quill(['users', 'create', '--name', 'bob', '--password', PASSWORD]),
    ];
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    expect(runs[0]!.stdout).toContain('SCRAM-SHA-256 credential of user alice');
    expect(await listUsers()).toEqual([
      { name: 'alice', credentials: [{ mechanism: 'SCRAM-SHA-256', iterations: 8192 }, { mechanism: 'SCRAM-SHA-512', iterations: 4096 }] },
      { name: 'bob', credentials: [{ mechanism: 'SCRAM-SHA-512', iterations: 4096 }] },
    ]);

    const tooFew = await quill(['users', 'create', '--name', 'carol', '--password', PASSWORD, '--iterations', '1000']);
    expect(tooFew.code).not.toBe(0);
    expect(tooFew.stderr).toContain('UNACCEPTABLE_CREDENTIAL');

    const text = await quill(['users', 'list']);
    for (const run of [...runs, tooFew, text]) expect(run.stdout + run.stderr).not.toContain(PASSWORD);
    const root = path.dirname(cluster().dataDir(1));
    const holding = filesUnder(root).filter((file) => fs.readFileSync(file).includes(PASSWORD));
    expect(holding).toEqual([]);

    expect((await quill(['users', 'delete', '--name', 'alice', '--mechanism', 'SCRAM-SHA-256'])).code).toBe(0);
    expect((await listUsers()).find((u) => u.name === 'alice')?.credentials).toEqual([{ mechanism: 'SCRAM-SHA-512', iterations: 4096 }]);
    expect((await quill(['users', 'delete', '--name', 'alice'])).code).toBe(0);
    expect((await listUsers()).map((u) => u.name)).toEqual(['bob']);
    const gone = await quill(['users', 'delete', '--name', 'alice']);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain('RESOURCE_NOT_FOUND');
  });
});
