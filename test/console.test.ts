import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Consumer, Quill } from '@quill/client';
import { REPO_ROOT, cliNodeArguments, startCluster, type TestCluster } from '@quill/testing';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTopicWithFullIsr, readPartition } from './support/cluster-helpers.js';

// The web console in real headless Chromium, `quill console` run as a process against a
// three-broker cluster: its pages show the brokers, a topic's partitions, the messages this test
// produced (a <script> value as text, a binary one as hex), a group's lag, and a message
// produced from the page is read back with the SDK.

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = fs.existsSync(CHROMIUM);
const TOPIC = 'console-topic';
const GROUP = 'console-group';
const SCRIPT_VALUE = '<script>alert(1)</script>';
const BINARY_VALUE = Buffer.from([0x00, 0x01, 0x02, 0xff]);
/** Where the page screenshots go: docs/console when asked (to refresh the README's), a temp dir otherwise. */
const SCREENSHOTS_TO_DOCS = process.env['QUILL_CONSOLE_SCREENSHOTS'] === 'docs';
const UI_TIMEOUT_MS = 10_000;

/** Starts `quill console` on a free port and resolves with its URL once it prints `console <url>`. */
function startConsole(bootstrap: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [...cliNodeArguments(), 'console', '--bootstrap', bootstrap, '--listen', '127.0.0.1:0', '--log-level', 'warn'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const url = /^console (http:\S+)$/m.exec(stdout)?.[1];
      if (url !== undefined) resolve({ child, url });
    });
    child.once('exit', (code) => reject(new Error(`quill console exited (${code}): ${stderr}`)));
  });
}

describe.skipIf(!HAVE_CHROMIUM)(HAVE_CHROMIUM ? 'the web console in headless Chromium' : `web console test SKIPPED: no ${CHROMIUM} (.ci/run apt-installs chromium)`, () => {
  let cluster: TestCluster;
  let quill: Quill;
  let member: Consumer;
  let releaseMember!: () => void;
  let consoleProcess: ChildProcess | undefined;
  let url: string;
  let browser: Browser;
  let page: Page;
  let screenshots: string;
  const dialogs: string[] = [];

  beforeAll(async () => {
    cluster = await startCluster({ brokers: 3 });
    quill = cluster.client();
    const admin = quill.admin();
    await admin.connect();
    await createTopicWithFullIsr(admin, TOPIC, 3, 3);
    const producer = quill.producer();
    await producer.connect();
    await producer.send({
      topic: TOPIC,
      messages: [
        { partition: 0, key: 'plain', value: 'hello', headers: { origin: 'test' } },
        { partition: 0, key: 'script', value: SCRIPT_VALUE },
        { partition: 0, key: 'binary', value: BINARY_VALUE },
        { partition: 0, key: 'json', value: '{"n":1,"tags":["a","b"]}' },
      ],
    });
    await producer.disconnect();
    // The group committed offset 1 of partition 0, and its one member holds the record at 1
    // unfinished, so the lag stays at 3 while the member is shown with its assignment.
    await admin.setOffsets({ groupId: GROUP, topic: TOPIC, partitions: [{ partition: 0, offset: 1 }] });
    await admin.disconnect();
    const released = new Promise<void>((resolve) => (releaseMember = resolve));
    member = quill.consumer({ groupId: GROUP });
    const joined = (async () => {
      await member.connect();
      await member.subscribe({ topics: [TOPIC] });
      await member.run({ autoCommit: false, eachMessage: () => released });
    })();
    const [started, launched] = await Promise.all([startConsole(cluster.bootstrap.join(',')), chromium.launch({ executablePath: CHROMIUM, headless: true }), joined]);
    ({ child: consoleProcess, url } = started);
    browser = launched;
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    screenshots = SCREENSHOTS_TO_DOCS ? path.join(REPO_ROOT, 'docs', 'console') : fs.mkdtempSync(path.join(os.tmpdir(), 'quill-console-'));
    fs.mkdirSync(screenshots, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    consoleProcess?.kill('SIGTERM');
    releaseMember?.();
    await member?.disconnect();
    await cluster?.stop();
    if (!SCREENSHOTS_TO_DOCS && screenshots !== undefined) fs.rmSync(screenshots, { recursive: true, force: true });
  });

  it('shows the three brokers running and the controller quorum', async () => {
    await page.goto(`${url}/#/brokers`);
    const rows = page.locator('#brokers tbody tr');
    await expect.poll(() => rows.count(), { timeout: UI_TIMEOUT_MS }).toBe(3);
    expect(await rows.locator('td:nth-child(2)').allTextContents()).toEqual(['running', 'running', 'running']);
    await expect.poll(() => page.locator('#quorum tbody tr').count(), { timeout: UI_TIMEOUT_MS }).toBeGreaterThanOrEqual(3);
    await page.screenshot({ path: path.join(screenshots, 'brokers.png'), fullPage: true });
  });

  it("shows the topic's partitions with leaders, a full ISR and end offsets", async () => {
    await page.goto(`${url}/#/topics`);
    const rows = page.locator(`[data-topic="${TOPIC}"] tbody tr`);
    await expect.poll(() => rows.count(), { timeout: UI_TIMEOUT_MS }).toBe(3);
    // Columns: partition, leader, replicas, ISR, offline, start offset, end offset, messages. A
    // broker's metadata may trail the ISR the test waited for by a refresh.
    const partition0 = () => rows.nth(0).locator('td').allTextContents();
    await expect.poll(async () => (await partition0())[3]?.split(', ').length, { timeout: UI_TIMEOUT_MS }).toBe(3);
    const [, leader, , , , start, end, count] = await partition0();
    expect(Number(leader)).toBeGreaterThan(0);
    expect([start, end, count]).toEqual(['0', '4', '4']);
    await page.screenshot({ path: path.join(screenshots, 'topics.png'), fullPage: true });
  });

  it('browses the messages: text, pretty JSON, a <script> value as text and a binary value as hex', async () => {
    await page.goto(`${url}/#/messages?topic=${TOPIC}&partition=0&offset=0&limit=10`);
    const rows = page.locator('#messages tbody tr');
    await expect.poll(() => rows.count(), { timeout: UI_TIMEOUT_MS }).toBe(4);
    const value = (offset: number) => page.locator(`#messages tr[data-offset="${offset}"] td.value pre`);
    expect(await value(0).textContent()).toBe('hello');
    expect(await page.locator('#messages tr[data-offset="0"] td.headers').textContent()).toContain('origin: test');
    expect(await value(1).textContent()).toBe(SCRIPT_VALUE);
    expect(await page.locator('#messages script').count()).toBe(0);
    expect(await value(2).getAttribute('data-encoding')).toBe('hex');
    expect(await value(2).textContent()).toBe('00 01 02 ff');
    expect(await value(3).getAttribute('data-encoding')).toBe('json');
    expect(JSON.parse((await value(3).textContent())!)).toEqual({ n: 1, tags: ['a', 'b'] });
    expect(dialogs).toEqual([]);
    await page.screenshot({ path: path.join(screenshots, 'messages.png'), fullPage: true });
  });

  it("shows the group's member, its assignment and its lag per partition", async () => {
    await page.goto(`${url}/#/groups`);
    const lag = page.locator(`[data-group="${GROUP}"] tr[data-lag="${TOPIC}-0"] td`);
    await expect.poll(async () => (await lag.allTextContents()).slice(2), { timeout: UI_TIMEOUT_MS }).toEqual(['1', '4', '3']);
    const assignment = page.locator(`[data-group="${GROUP}"] table:first-of-type tbody td:nth-child(4)`);
    await expect.poll(() => assignment.textContent(), { timeout: UI_TIMEOUT_MS }).toContain(`${TOPIC}-0`);
    await page.screenshot({ path: path.join(screenshots, 'groups.png'), fullPage: true });
  });

  it('produces a message from the page that the SDK reads back', async () => {
    await page.goto(`${url}/#/produce?topic=${TOPIC}`);
    const form = page.locator('#produce');
    await form.locator('input[name=partition]').fill('2');
    await form.locator('input[name=key]').fill('from-page');
    await form.locator('textarea[name=value]').fill('hello from the page');
    await form.locator('textarea[name=headers]').fill('origin: console');
    await form.locator('button[type=submit]').click();
    await expect.poll(() => page.locator('#produced').textContent().catch(() => null), { timeout: UI_TIMEOUT_MS }).toBe('Sent to partition 2 at offset 0.');
    await page.screenshot({ path: path.join(screenshots, 'produce.png'), fullPage: true });
    expect((await readPartition(quill, TOPIC, 2, 1)).get(0)).toBe('hello from the page');
  });

  it("shows a topic's configs", async () => {
    await page.goto(`${url}/#/configs?kind=topic&name=${TOPIC}`);
    await expect.poll(() => page.locator('#configs tbody tr').count(), { timeout: UI_TIMEOUT_MS }).toBeGreaterThan(0);
    expect(await page.locator('#configs').textContent()).toContain('retention.ms');
    await page.screenshot({ path: path.join(screenshots, 'configs.png'), fullPage: true });
  });
});
