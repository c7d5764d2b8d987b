// Comparators for the fixed orders every listing and snapshot uses (locale-independent).
export const byNumber = (a: number, b: number): number => a - b;
export const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
