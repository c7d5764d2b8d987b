/** The default of a non-nullable bytes field (shared: decoded bytes are never written to). */
export const EMPTY_BYTES: Buffer = Buffer.alloc(0);
