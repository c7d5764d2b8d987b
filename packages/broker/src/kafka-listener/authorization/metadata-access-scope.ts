import { authorize, topicById, type AuthorizerSettings, type MetadataState } from '@quill/metadata';
import type { AccessScope } from './access-decision.js';
import type { ScopeOf } from './authorizing-handler.js';

/**
 * Access scopes over the broker's metadata as it is when each request arrives, so an ACL created
 * or removed counts from the next request. Before the first metadata, only super users pass.
 */
export function metadataScopes(currentState: () => MetadataState | undefined, settings: AuthorizerSettings): ScopeOf {
  return (principal, host): AccessScope => {
    const state = currentState();
    return {
      can: (operation, resourceType, resourceName) =>
        state === undefined ? settings.superUsers.has(principal) : authorize(state, { principal, host, operation, resourceType, resourceName }, settings),
      topicNameOf: (topicId) => (state === undefined ? undefined : topicById(state, topicId)?.name),
      topicNames: () => (state === undefined ? [] : state.topicIdsByName.keys()),
    };
  };
}
