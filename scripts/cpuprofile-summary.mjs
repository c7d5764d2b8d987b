// Summary of a broker's .cpuprofile (node --cpu-prof) over the steady state only: the window from
// the first to the last sample inside the replication hot path, so startup and shutdown do not
// count. Prints busy time, self time by category (GC, grpc-js, http2, protobufjs, our packages,
// native calls such as fdatasync) and the top functions by self time.
//   node scripts/cpuprofile-summary.mjs <file.cpuprofile> [top=25] [hot-path regex]
import fs from 'node:fs';

const [file, topArg, hotArg] = process.argv.slice(2);
if (file === undefined) {
  process.stderr.write('usage: node scripts/cpuprofile-summary.mjs <file.cpuprofile> [top] [hot-path regex]\n');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const hot = new RegExp(hotArg ?? 'appendAsFollower|appendAsLeader|readForFollower');
const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parents = new Map();
for (const n of profile.nodes) for (const child of n.children ?? []) parents.set(child, n.id);
const stackOf = (id) => {
  const frames = [];
  for (let at = id; at !== undefined; at = parents.get(at)) frames.push(nodes.get(at));
  return frames;
};
let clock = profile.startTime;
const times = profile.samples.map((_, i) => (clock += profile.timeDeltas[i]));
let first = Infinity;
let last = 0;
profile.samples.forEach((id, i) => {
  if (stackOf(id).some((n) => hot.test(n.callFrame.functionName))) {
    first = Math.min(first, times[i]);
    last = Math.max(last, times[i]);
  }
});

const category = ({ callFrame: { url, functionName } }) => {
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(program)') return '(program): native, not attributed';
  if (/grpc-js/.test(url)) return 'grpc-js';
  // protobufjs generates Type$encode/decode/fromObject functions at run time (no url).
  if (/protobufjs|proto-loader/.test(url) || (url === '' && functionName.includes('$'))) return 'protobufjs';
  if (/pino/.test(url)) return 'pino';
  const ours = /packages\/([a-z]+)\/src\//.exec(url);
  if (ours) return `@quill/${ours[1]}`;
  if (url === '') return `native ${functionName}`;
  if (url.startsWith('node:')) return /http2/.test(url) ? 'node http2' : /stream/.test(url) ? 'node streams' : 'node other';
  return 'other';
};
const byCategory = new Map();
const bySelf = new Map();
let busy = 0;
profile.samples.forEach((id, i) => {
  if (i === 0 || times[i] < first || times[i] > last) return;
  const node = nodes.get(id);
  if (node.callFrame.functionName === '(idle)') return;
  const spent = times[i] - times[i - 1];
  busy += spent;
  const name = category(node);
  byCategory.set(name, (byCategory.get(name) ?? 0) + spent);
  const fn = `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.replace(/.*\//, '')}`;
  bySelf.set(fn, (bySelf.get(fn) ?? 0) + spent);
});
const print = (title, map, limit) => {
  process.stdout.write(`${title}\n`);
  for (const [name, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, limit)) {
    process.stdout.write(`${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / busy).toFixed(1).padStart(5)}%  ${name}\n`);
  }
};
process.stdout.write(`steady-state window ${((last - first) / 1e6).toFixed(1)} s, busy ${(busy / 1e6).toFixed(2)} s\n`);
print('-- self time by category', byCategory, 20);
print('-- top functions by self time', bySelf, top);
