// CPU one /metrics scrape costs the nodes serving it, by their own CPU accounting (utime+stime in
// /proc), so a busy machine skews it far less than a throughput comparison. Phases of scraping
// every node `rate` times a second alternate with phases of not scraping; with a producer running,
// each phase's CPU is set against the records the brokers appended (quill_topic_records_in_total,
// read at the phase's edges) and the scraped phases' CPU beyond what their records explain,
// divided by their scrapes, is the cost (indirect costs such as the extra GC included). Without
// load, the unscraped phases' mean CPU is the baseline.
//   node scripts/scrape-cpu-cost.mjs [--phase-seconds 5] [--pairs 4] [--rate 5] <pid>=<metrics url> ...
// The pids of a `quill bench cluster`'s nodes: `ss -ltnp` on the ports of its metrics URLs.
import fs from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'phase-seconds': { type: 'string', default: '5' }, pairs: { type: 'string', default: '4' }, rate: { type: 'string', default: '5' } },
});
const phaseMs = Number(values['phase-seconds']) * 1000;
const rate = Number(values.rate);
const nodes = positionals.map((arg) => {
  const [pid, url] = arg.split('=');
  return { pid, url };
});
if (nodes.length === 0 || nodes.some((n) => n.url === undefined)) {
  process.stderr.write('usage: node scripts/scrape-cpu-cost.mjs [--phase-seconds 5] [--pairs 4] [--rate 5] <pid>=<metrics url> ...\n');
  process.exit(2);
}
const ticksMs = 10; // USER_HZ 100
const cpuMs = () =>
  nodes.reduce((sum, { pid }) => {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return sum + (Number(fields[11]) + Number(fields[12])) * ticksMs;
  }, 0);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const get = (url) =>
  new Promise((resolve, reject) =>
    http.get(url, { agent }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () => resolve(text));
    }).on('error', reject),
  );
const recordsIn = async () => {
  let sum = 0;
  for (const { url } of nodes) for (const line of (await get(url)).split('\n')) if (line.startsWith('quill_topic_records_in_total')) sum += Number(line.split(' ').pop());
  return sum;
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function phase(scraping) {
  const records0 = await recordsIn();
  const cpu0 = cpuMs();
  const start = performance.now();
  let scrapes = 0;
  for (let i = 1; performance.now() - start < phaseMs; i++) {
    if (scraping) {
      await Promise.all(nodes.map(({ url }) => get(url)));
      scrapes += nodes.length;
    }
    await sleep(Math.max(0, start + (i * 1000) / rate - performance.now()));
  }
  const cpu = cpuMs() - cpu0;
  return { scraping, cpu, records: (await recordsIn()) - records0, scrapes };
}

const phases = [];
for (let i = 0; i < Number(values.pairs); i++) for (const scraping of i % 2 === 0 ? [true, false] : [false, true]) phases.push(await phase(scraping));
agent.destroy();
const unscraped = phases.filter((p) => !p.scraping);
const unscrapedRecords = unscraped.reduce((sum, p) => sum + p.records, 0);
const unscrapedCpu = unscraped.reduce((sum, p) => sum + p.cpu, 0);
const expected = (p) => (unscrapedRecords > 0 ? (p.records * unscrapedCpu) / unscrapedRecords : unscrapedCpu / unscraped.length);
for (const p of phases) {
  const extra = p.scraping ? `, ${p.scrapes} scrapes, ${((p.cpu - expected(p)) / p.scrapes).toFixed(2)} ms each` : '';
  console.log(`${p.scraping ? 'scraped  ' : 'unscraped'} CPU ${p.cpu} ms, ${p.records} records${extra}`);
}
const scraped = phases.filter((p) => p.scraping);
const cost = scraped.reduce((sum, p) => sum + p.cpu - expected(p), 0) / scraped.reduce((sum, p) => sum + p.scrapes, 0);
console.log(`CPU per scrape (mean over the ${nodes.length} nodes): ${cost.toFixed(2)} ms`);
