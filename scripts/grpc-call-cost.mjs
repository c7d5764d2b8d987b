// CPU per message of grpc-js: unary calls against messages on one open bidirectional stream,
// client and server in separate processes on loopback, identity (de)serializers (no protobuf).
// The client keeps --concurrency requests outstanding for --seconds per mode; rounds alternate.
//   node scripts/grpc-call-cost.mjs [--size 200] [--concurrency 8] [--seconds 3] [--rounds 2]
import { fork } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

// grpc-js is a dependency of @quill/proto, not of the repository root.
const grpc = createRequire(new URL('../packages/proto/package.json', import.meta.url))('@grpc/grpc-js');

const identity = (b) => b;
const method = (name, stream) => ({
  path: `/bench.CallCost/${name}`,
  requestStream: stream,
  responseStream: stream,
  requestSerialize: identity,
  requestDeserialize: identity,
  responseSerialize: identity,
  responseDeserialize: identity,
});
const service = { Unary: method('Unary', false), Bidi: method('Bidi', true) };

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '2' },
    server: { type: 'boolean', default: false },
  },
});

if (values.server) {
  const server = new grpc.Server();
  server.addService(service, {
    Unary: (call, callback) => callback(null, call.request),
    Bidi: (call) => {
      call.on('data', (message) => call.write(message));
      call.on('end', () => call.end());
    },
  });
  server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => {
    if (error) throw error;
    process.send({ port });
  });
  process.on('message', () => {
    server.forceShutdown();
    process.exit(0);
  });
} else {
  const child = fork(new URL(import.meta.url).pathname, ['--server']);
  const [{ port }] = await once(child, 'message');
  const client = new (grpc.makeGenericClientConstructor(service, 'CallCost'))(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const message = Buffer.alloc(Number(values.size));
  const concurrency = Number(values.concurrency);
  const seconds = Number(values.seconds);
  const cpuOf = (pid) => {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  };
  const runUnary = async (end) => {
    let n = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < end) {
          await new Promise((resolve, reject) => client.Unary(message, (error, answer) => (error ? reject(error) : resolve(answer))));
          n++;
        }
      }),
    );
    return n;
  };
  const runStream = (end) =>
    new Promise((resolve) => {
      const call = client.Bidi();
      let outstanding = 0;
      let n = 0;
      const pump = () => {
        while (outstanding < concurrency && performance.now() < end) {
          call.write(message);
          outstanding++;
        }
        if (outstanding === 0) call.end();
      };
      call.on('status', () => resolve(n));
      call.on('error', () => undefined);
      call.on('data', () => {
        outstanding--;
        n++;
        pump();
      });
      pump();
    });
  const rows = [];
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const [mode, run] of [
      ['unary', runUnary],
      ['stream', runStream],
    ]) {
      const cpu0 = process.cpuUsage();
      const serverCpu0 = cpuOf(child.pid);
      const n = await run(performance.now() + seconds * 1000);
      const cpu = process.cpuUsage(cpu0);
      const serverCpuMs = cpuOf(child.pid) - serverCpu0;
      rows.push({ mode, messagesPerSec: Math.round(n / seconds), clientUsPerMessage: +((cpu.user + cpu.system) / n).toFixed(1), serverUsPerMessage: +((serverCpuMs * 1000) / n).toFixed(1) });
    }
  }
  for (const row of rows) process.stdout.write(`${JSON.stringify(row)}\n`);
  client.close();
  child.send('stop');
}
