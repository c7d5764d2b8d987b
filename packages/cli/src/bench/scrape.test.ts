import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSamples, scrape, scrapeOffsetsMs, startScraping, startScrapingProcess } from './scrape.js';

describe('parseSamples', () => {
  it('reads names, labels (escapes kept) and values, skipping comments', () => {
    const text = [
      '# HELP quill_partitions Replicas this broker hosts',
      '# TYPE quill_partitions gauge',
      'quill_partitions 1000',
      'quill_consumer_group_lag{group="g",topic="a\\"b",partition="7"} 42',
      '',
    ].join('\n');
    expect(parseSamples(text)).toEqual([
      { name: 'quill_partitions', labels: {}, value: 1000 },
      { name: 'quill_consumer_group_lag', labels: { group: 'g', topic: 'a\\"b', partition: '7' }, value: 42 },
    ]);
  });
});

describe('scraping', () => {
  let server: http.Server;
  let base: string;
  const connections = new Set<string>();
  let requests = 0;
  beforeAll(async () => {
    server = http.createServer((request, response) => {
      connections.add(`${request.socket.remotePort}`);
      requests++;
      if (request.url === '/metrics') response.end('quill_partitions 3\n');
      else {
        response.writeHead(404);
        response.end('not found\n');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('reads an answer and refuses a status other than 200', async () => {
    const answer = await scrape(`${base}/metrics`);
    expect(answer.text).toBe('quill_partitions 3\n');
    expect(answer.bytes).toBe(19);
    await expect(scrape(`${base}/other`)).rejects.toThrow(/answered 404/);
  });

  it('spreads the targets over the interval', () => {
    expect(scrapeOffsetsMs(6, 1000)).toEqual([0, 166, 333, 500, 666, 833]);
    expect(scrapeOffsetsMs(1, 1000)).toEqual([0]);
  });

  it('scrapes each target every interval over one kept-alive connection', async () => {
    connections.clear();
    requests = 0;
    const scraper = startScraping([`${base}/metrics`], 20);
    await expect.poll(() => requests, { timeout: 5000 }).toBeGreaterThanOrEqual(3);
    const counted = await scraper.stop();
    expect(counted).toEqual({ scrapes: requests, failures: 0 });
    expect(connections.size).toBe(1);
  });

  it('scrapes from a process of its own, and tells its count once stopped', async () => {
    connections.clear();
    requests = 0;
    const scraper = await startScrapingProcess([`${base}/metrics`, `${base}/other`], 20);
    await expect.poll(() => requests, { timeout: 20_000 }).toBeGreaterThanOrEqual(6);
    const counted = await scraper.stop();
    expect(counted.scrapes + counted.failures).toBe(requests);
    expect(counted.scrapes).toBeGreaterThanOrEqual(3);
    expect(counted.failures).toBeGreaterThanOrEqual(3);
    expect(await scraper.stop()).toEqual(counted);
  });
});
