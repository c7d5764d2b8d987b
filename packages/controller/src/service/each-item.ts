import { ErrorCode, QuillError, asQuillError } from '@quill/proto';

/** A per-item result: the item's identifying fields, then either its outcome or its error. */
export type ItemResult<F, R> = F & Partial<R> & { errorCode: ErrorCode; errorMessage?: string };

/**
 * Decides each item of a request on its own: an item's failure becomes its error code, while
 * NOT_CONTROLLER fails the whole call (the caller retries it at the active controller).
 */
export async function eachItem<I, F extends object, R extends object>(
  items: readonly I[],
  fields: (item: I) => F,
  run: (item: I) => Promise<R>,
): Promise<Array<ItemResult<F, R>>> {
  const results: Array<ItemResult<F, R>> = [];
  for (const item of items) {
    try {
      results.push({ ...fields(item), ...(await run(item)), errorCode: ErrorCode.NONE } as ItemResult<F, R>);
    } catch (error) {
      if (QuillError.is(error, ErrorCode.NOT_CONTROLLER)) throw error;
      const failure = asQuillError(error);
      results.push({ ...fields(item), errorCode: failure.code, errorMessage: failure.message } as ItemResult<F, R>);
    }
  }
  return results;
}

/** The fields that name a config resource in a per-resource result. */
export function configResourceFields<T extends { resourceType: unknown; resourceName: string }>(resource: T): Pick<T, 'resourceType' | 'resourceName'> {
  return { resourceType: resource.resourceType, resourceName: resource.resourceName };
}
