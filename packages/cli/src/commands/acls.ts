import { ErrorCode, QuillError, type AclEntry, type AclFilter, type AclOperationType, type DescribeAclsResult } from '@quill/client';
import { ACL_OPERATIONS } from '@quill/metadata';
import type { Argv } from 'yargs';
import { adminOptions, single, withAdmin, writeOut } from '../client-options.js';

const OPERATIONS: readonly AclOperationType[] = ACL_OPERATIONS;
/** Kafka's name of the one cluster resource. */
const CLUSTER_RESOURCE_NAME = 'kafka-cluster';

/** The resource flags shared by every acls action; at most one of them is given. */
export interface ResourceFlags {
  topic?: string | undefined;
  group?: string | undefined;
  transactionalId?: string | undefined;
  cluster?: boolean | undefined;
}

/** `acls list --json`: exactly this shape. */
export interface AclsJson {
  acls: AclEntry[];
}

/** `quill acls add|list|remove`: access control entries, as Kafka's `kafka-acls`. */
export function aclsCommand(yargs: Argv): Argv {
  return yargs.command('acls', 'Manage access control entries (who may do what on which topic, group or the cluster)', (y) =>
    y
      .command(
        'add',
        'Allow (or with --deny, deny) a principal an operation on a resource',
        (c) =>
          resourceOptions(adminOptions(c))
            .option('principal', { type: 'string', demandOption: true, describe: 'e.g. User:alice, or User:* for everyone', coerce: single<string>('--principal') })
            .option('operation', { type: 'string', array: true, choices: OPERATIONS, demandOption: true, describe: 'the operation(s)' })
            .option('host', { type: 'string', default: '*', describe: 'the client host (an IP) the entry applies to, * for any', coerce: single<string>('--host') })
            .option('prefixed', { type: 'boolean', default: false, describe: 'the resource name is a prefix' })
            .option('deny', { type: 'boolean', default: false, describe: 'deny instead of allow' }),
        (args) =>
          withAdmin(args, 'adding ACLs', async (admin) => {
            const acl = entriesToAdd(args, args.operation as AclOperationType[]);
            await admin.createAcls({ acl });
            writeOut(formatEntries(acl, 'Added'));
          }),
      )
      .command(
        'list',
        'List the access control entries matching the filters (every entry without filters)',
        (c) => filterOptions(resourceOptions(adminOptions(c))),
        (args) =>
          withAdmin(args, 'listing ACLs', async (admin) => {
            const acls = aclsJson(await admin.describeAcls(filterOf(args)));
            writeOut(args.json ? JSON.stringify(acls) : acls.acls.length === 0 ? 'No ACLs.' : formatEntries(acls.acls));
          }),
      )
      .command(
        'remove',
        'Remove the access control entries matching the filters (at least one filter)',
        (c) => filterOptions(resourceOptions(adminOptions(c))),
        (args) =>
          withAdmin(args, 'removing ACLs', async (admin) => {
            const filter = filterToRemove(args);
            const [result] = (await admin.deleteAcls({ filters: [filter] })).filterResponses;
            if (result === undefined || result.errorCode !== ErrorCode.NONE) throw new QuillError(result?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR, result?.errorMessage ?? 'no answer');
            writeOut(result.matchingAcls.length === 0 ? 'No ACLs matched.' : formatEntries(result.matchingAcls, 'Removed'));
          }),
      )
      .demandCommand(1, 'Name an acls action: add, list or remove.'),
  );
}

function resourceOptions<T>(y: Argv<T>) {
  return y
    .option('topic', { type: 'string', describe: 'a topic (name, prefix with --prefixed, or * for every topic)', coerce: single<string>('--topic') })
    .option('group', { type: 'string', describe: 'a consumer group', coerce: single<string>('--group') })
    .option('transactional-id', { type: 'string', describe: 'a transactional id', coerce: single<string>('--transactional-id') })
    .option('cluster', { type: 'boolean', describe: 'the cluster itself' })
    .conflicts({ topic: ['group', 'transactional-id', 'cluster'], group: ['transactional-id', 'cluster'], 'transactional-id': 'cluster' });
}

function filterOptions<T>(y: Argv<T>) {
  return y
    .option('principal', { type: 'string', describe: 'only entries of this principal', coerce: single<string>('--principal') })
    .option('host', { type: 'string', describe: 'only entries for this host', coerce: single<string>('--host') })
    .option('operation', { type: 'string', choices: OPERATIONS, describe: 'only entries of this operation' })
    .option('permission', { type: 'string', choices: ['ALLOW', 'DENY'], describe: 'only ALLOW or DENY entries' })
    .option('pattern', {
      type: 'string',
      choices: ['LITERAL', 'PREFIXED', 'MATCH'],
      describe: 'only LITERAL or PREFIXED entries, or MATCH: every entry applying to the named resource',
    });
}

/** The resource the flags name, or undefined when none is given. */
export function resourceOf(flags: ResourceFlags): Pick<AclEntry, 'resourceType' | 'resourceName'> | undefined {
  if (flags.topic !== undefined) return { resourceType: 'TOPIC', resourceName: flags.topic };
  if (flags.group !== undefined) return { resourceType: 'GROUP', resourceName: flags.group };
  if (flags.transactionalId !== undefined) return { resourceType: 'TRANSACTIONAL_ID', resourceName: flags.transactionalId };
  if (flags.cluster === true) return { resourceType: 'CLUSTER', resourceName: CLUSTER_RESOURCE_NAME };
  return undefined;
}

/** One entry per operation for `acls add`. */
export function entriesToAdd(args: ResourceFlags & { principal: string; host: string; prefixed: boolean; deny: boolean }, operations: readonly AclOperationType[]): AclEntry[] {
  const resource = resourceOf(args);
  if (resource === undefined) throw new QuillError(ErrorCode.INVALID_REQUEST, 'Name the resource: --topic, --group, --transactional-id or --cluster.');
  return [...new Set(operations)].map((operation) => ({
    ...resource,
    resourcePatternType: args.prefixed ? 'PREFIXED' : 'LITERAL',
    principal: args.principal,
    host: args.host,
    operation,
    permissionType: args.deny ? 'DENY' : 'ALLOW',
  }));
}

/** The filter of `acls list|remove`: only the given flags constrain. */
export function filterOf(
  args: ResourceFlags & { principal?: string | undefined; host?: string | undefined; operation?: string | undefined; permission?: string | undefined; pattern?: string | undefined },
): AclFilter {
  const resource = resourceOf(args);
  const filter: AclFilter = { ...(resource ?? {}) };
  if (args.pattern !== undefined) filter.resourcePatternType = args.pattern as NonNullable<AclFilter['resourcePatternType']>;
  if (args.principal !== undefined) filter.principal = args.principal;
  if (args.host !== undefined) filter.host = args.host;
  if (args.operation !== undefined) filter.operation = args.operation as NonNullable<AclFilter['operation']>;
  if (args.permission !== undefined) filter.permissionType = args.permission as NonNullable<AclFilter['permissionType']>;
  return filter;
}

/** The filter of `acls remove`, which must constrain something: an empty one would remove every entry. */
export function filterToRemove(args: Parameters<typeof filterOf>[0]): AclFilter {
  const filter = filterOf(args);
  if (Object.keys(filter).length === 0) throw new QuillError(ErrorCode.INVALID_REQUEST, 'Name at least one filter: a resource, --principal, --host, --operation or --permission.');
  return filter;
}

export function aclsJson(described: DescribeAclsResult): AclsJson {
  return {
    acls: described.resources.flatMap((r) =>
      r.acls.map((a) => ({ resourceType: r.resourceType, resourceName: r.resourceName, resourcePatternType: r.resourcePatternType, ...a })),
    ),
  };
}

/** One line per entry: `ALLOW User:alice from * READ on TOPIC orders (LITERAL)`, optionally after a verb. */
export function formatEntries(entries: readonly AclEntry[], verb?: string): string {
  const lines = entries.map(
    (e) => `${e.permissionType} ${e.principal} from ${e.host} ${e.operation} on ${e.resourceType} ${e.resourceName} (${e.resourcePatternType})`,
  );
  return verb === undefined ? lines.join('\n') : lines.map((line) => `${verb}: ${line}`).join('\n');
}
