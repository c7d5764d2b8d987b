import type { AclEntry } from '@quill/client';

/** An ALLOW entry for a LITERAL resource from any host, with `extra` changing any field (a PREFIXED pattern, DENY). */
export function allowAcl(principal: string, operation: AclEntry['operation'], resourceType: AclEntry['resourceType'], resourceName: string, extra: Partial<AclEntry> = {}): AclEntry {
  return { resourceType, resourceName, resourcePatternType: 'LITERAL', principal, host: '*', operation, permissionType: 'ALLOW', ...extra };
}
