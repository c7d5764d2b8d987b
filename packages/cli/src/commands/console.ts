import type { Argv } from 'yargs';
import { DEFAULT_TIMEOUT_MS, clientOptions, openQuill, single } from '../client-options.js';
import { startConsoleServer } from '../console/console-server.js';
import { nodeLogger } from '../logger.js';
import { parseHostPort } from '../parse.js';
import { runUntilSignal } from '../run-until-signal.js';

const DEFAULT_LISTEN = '127.0.0.1:8080';

/** `quill console`: the web console over the cluster at --bootstrap, until Ctrl-C. */
export function consoleCommand(yargs: Argv): Argv {
  return yargs.command(
    'console',
    'Serve the web console (brokers, quorum, topics, messages, groups, configs) until Ctrl-C',
    (y) =>
      clientOptions(y).option('listen', {
        type: 'string',
        default: DEFAULT_LISTEN,
        describe: 'host:port the console listens on (port 0: any free port)',
        coerce: single<string>('--listen'),
      }),
    async (args) => {
      const { host, port } = parseHostPort(args.listen, '--listen');
      const quill = openQuill({ bootstrap: args.bootstrap, logLevel: args.logLevel, requestTimeoutMs: DEFAULT_TIMEOUT_MS });
      const server = await startConsoleServer({ quill, host, port, logger: nodeLogger(args.logLevel) });
      process.stdout.write(`console ${server.url}\n`);
      await runUntilSignal(() => server.close());
    },
  );
}
