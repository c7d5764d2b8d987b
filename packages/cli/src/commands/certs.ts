import { existsSync } from 'node:fs';
import path from 'node:path';
import { QuillError } from '@quill/client';
import { NODE_NAME_PLACEHOLDER, generateDevCertificates } from '@quill/security';
import type { Argv } from 'yargs';
import { single, writeOut } from '../client-options.js';

/**
 * `quill certs create`: a new CA and a certificate per node and client, as `quill dev --secure`
 * makes them, for a cluster run elsewhere (deploy/docker-compose.secure.yml).
 */
export function certsCommand(yargs: Argv): Argv {
  return yargs.command('certs', 'Make TLS certificates for a test or local cluster', (y) =>
    y
      .command(
        'create',
        'Write a new CA (ca.pem, ca-key.pem) and, signed by it, <name>.pem and <name>-key.pem per node and client: subject CN=<name> (the principal User:<name>), valid for <name>, localhost and 127.0.0.1 (nodes also for --dns-names)',
        (c) =>
          c
            .option('dir', { type: 'string', demandOption: true, describe: 'the directory to write into (created if missing; refused if it holds a ca.pem)', coerce: single<string>('--dir') })
            .option('nodes', { type: 'string', demandOption: true, describe: 'node names, comma-separated (their service or host names)', coerce: names('--nodes') })
            .option('clients', { type: 'string', default: '', describe: 'client names, comma-separated (users authenticating by certificate)', coerce: names('--clients') })
            .option('dns-names', {
              type: 'string',
              default: '',
              describe: `more host names of every node certificate, comma-separated; ${NODE_NAME_PLACEHOLDER} stands for the node's name (${NODE_NAME_PLACEHOLDER}.quill-broker.quill.svc.cluster.local: a StatefulSet pod's DNS name)`,
              coerce: names('--dns-names'),
            }),
        async (args) => {
          const dir = path.resolve(args.dir);
          if (existsSync(path.join(dir, 'ca.pem'))) throw new QuillError('INVALID_REQUEST', `${args.dir} already holds a ca.pem: certificates of a new CA would not be trusted by the nodes using the old one.`);
          const files = await generateDevCertificates(dir, { nodeNames: args.nodes, clientNames: args.clients, nodeDnsNames: args.dnsNames });
          writeOut(`Wrote ${files.caLocation} and ${files.endpoints.size} certificates (${[...files.endpoints.keys()].join(', ')}) into ${dir}.`);
        },
      )
      .demandCommand(1, 'Name a certs action: create.'),
  );
}

function names(flag: string): (value: string | string[]) => string[] {
  return (value) => single<string>(flag)(value).split(',').map((name) => name.trim()).filter((name) => name.length > 0);
}
