/**
 * S3 lists keys in UTF-8 byte order. JavaScript compares strings by UTF-16 code unit, which
 * disagrees for characters above U+FFFF against U+E000-U+FFFF, so merges compare bytes.
 */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
