import { ErrorCode, QuillError, type AlterUserScramCredentialsResult, type UserScramCredentialsDescription } from '@quill/client';
import { DEFAULT_SCRAM_ITERATIONS, SCRAM_MECHANISMS, type ScramMechanism } from '@quill/security';
import type { Argv } from 'yargs';
import { adminOptions, integer, single, withAdmin, writeOut } from '../client-options.js';

/** `users list --json`: exactly this shape (never salts or keys: the cluster does not give them out). */
export interface UsersJson {
  users: Array<{ name: string; credentials: Array<{ mechanism: ScramMechanism; iterations: number }> }>;
}

/** `quill users create|delete|list`: SCRAM credentials, as Kafka's `kafka-configs --entity-type users`. */
export function usersCommand(yargs: Argv): Argv {
  return yargs.command('users', "Manage users' SCRAM credentials (SASL SCRAM-SHA-256/512, and PLAIN checked against them)", (y) =>
    y
      .command(
        'create',
        "Set a user's credential for a mechanism (replacing an earlier one); the password is salted and hashed here and never sent or stored",
        (c) =>
          nameOption(adminOptions(c))
            .option('password', { type: 'string', demandOption: true, describe: 'the password (visible to other local users in the process list)', coerce: single<string>('--password') })
            .option('mechanism', { choices: SCRAM_MECHANISMS, default: 'SCRAM-SHA-512' as ScramMechanism, describe: 'the SCRAM mechanism' })
            .option('iterations', { type: 'number', default: DEFAULT_SCRAM_ITERATIONS, describe: 'PBKDF2 iterations (4096 to 16384)', coerce: integer('--iterations', 1) }),
        (args) =>
          withAdmin(args, `creating user ${args.name}`, async (admin) => {
            const results = await admin.alterUserScramCredentials([
              { type: 'upsert', user: args.name, mechanism: args.mechanism, password: args.password, iterations: args.iterations },
            ]);
            throwRefusal(results);
            writeOut(`Set the ${args.mechanism} credential of user ${args.name} (${args.iterations} iterations).`);
          }),
      )
      .command(
        'delete',
        "Remove a user's credential for a mechanism, or all of the user's credentials",
        (c) => nameOption(adminOptions(c)).option('mechanism', { choices: SCRAM_MECHANISMS, describe: 'only this mechanism (default: every mechanism the user has)' }),
        (args) =>
          withAdmin(args, `deleting user ${args.name}`, async (admin) => {
            const [described] = await admin.describeUserScramCredentials([args.name]);
            const mechanisms = mechanismsToDelete(args.name, described, args.mechanism);
            throwRefusal(await admin.alterUserScramCredentials(mechanisms.map((mechanism) => ({ type: 'delete' as const, user: args.name, mechanism }))));
            writeOut(`Removed the ${mechanisms.join(' and ')} credential${mechanisms.length > 1 ? 's' : ''} of user ${args.name}.`);
          }),
      )
      .command(
        'list',
        'List the users with SCRAM credentials: mechanisms and iterations',
        (c) => adminOptions(c),
        (args) =>
          withAdmin(args, 'listing users', async (admin) => {
            const users = usersJson(await admin.describeUserScramCredentials());
            writeOut(args.json ? JSON.stringify(users) : formatUsers(users));
          }),
      )
      .demandCommand(1, 'Name a users action: create, delete or list.'),
  );
}

function nameOption<T>(y: Argv<T>) {
  return y.option('name', { type: 'string', demandOption: true, describe: 'the user name', coerce: single<string>('--name') });
}

/** The first user's refusal as an error (one user per command, so at most one result). */
function throwRefusal(results: readonly AlterUserScramCredentialsResult[]): void {
  const refused = results.find((r) => r.errorCode !== ErrorCode.NONE);
  if (refused !== undefined) throw new QuillError(refused.errorCode, `user ${refused.user}: ${refused.errorMessage ?? refused.errorCode}`);
}

/** The mechanisms `users delete` removes: the one named, or every one the user has. */
export function mechanismsToDelete(user: string, described: UserScramCredentialsDescription | undefined, only: ScramMechanism | undefined): ScramMechanism[] {
  if (only !== undefined) return [only];
  const has = described?.errorCode === ErrorCode.NONE ? described.credentialInfos.map((c) => c.mechanism) : [];
  if (has.length === 0) throw new QuillError(ErrorCode.RESOURCE_NOT_FOUND, `User ${user} has no SCRAM credentials.`);
  return has;
}

export function usersJson(described: readonly UserScramCredentialsDescription[]): UsersJson {
  return {
    users: described
      .filter((d) => d.errorCode === ErrorCode.NONE)
      .map((d) => ({ name: d.user, credentials: d.credentialInfos.map((c) => ({ mechanism: c.mechanism, iterations: c.iterations })) })),
  };
}

/** One line per user: `name  SCRAM-SHA-256 (4096 iterations), ...`. */
export function formatUsers(users: UsersJson): string {
  if (users.users.length === 0) return 'No users with SCRAM credentials.';
  const width = Math.max(...users.users.map((u) => u.name.length));
  return users.users.map((u) => `${u.name.padEnd(width)}  ${u.credentials.map((c) => `${c.mechanism} (${c.iterations} iterations)`).join(', ')}`).join('\n');
}
