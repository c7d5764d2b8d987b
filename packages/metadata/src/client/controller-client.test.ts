import { freePort } from '@quill/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { ControllerClient } from './controller-client.js';

let client: ControllerClient | undefined;
afterEach(() => {
  client?.close();
  client = undefined;
});

describe('ControllerClient', () => {
  it("gives up on a call after the call's own timeoutMs, not the client's, when no controller answers", async () => {
    // Nothing listens here: every attempt fails at once, and the client retries until its deadline.
    client = new ControllerClient({ controllers: [`127.0.0.1:${await freePort()}`], timeoutMs: 60_000 });
    const call = client.call('DescribeQuorum', {}, { timeoutMs: 300 });
    await expect(call).rejects.toMatchObject({ code: 'NOT_CONTROLLER', message: expect.stringContaining('No active controller within 300 ms') });
  });

  it('ends a call that is still retrying when the client is closed', async () => {
    client = new ControllerClient({ controllers: [`127.0.0.1:${await freePort()}`], timeoutMs: 60_000 });
    const call = client.call('DescribeQuorum', {});
    client.close();
    await expect(call).rejects.toMatchObject({ code: 'NOT_CONTROLLER', message: expect.stringContaining('closed during DescribeQuorum') });
  });
});
