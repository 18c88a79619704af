/**
 * S3 lists keys in UTF-8 byte order. JavaScript compares strings by UTF-16 code unit, which agrees
 * with UTF-8 order except where a surrogate (a character above U+FFFF, 4 bytes in UTF-8) meets a
 * character in U+E000-U+FFFF (3 bytes, starting 0xEE/0xEF): UTF-16 puts the surrogate first,
 * UTF-8 last. This compares code units and fixes up that one case, without allocating.
 */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    const surrogateA = ca >= 0xd800 && ca <= 0xdfff;
    const surrogateB = cb >= 0xd800 && cb <= 0xdfff;
    if (surrogateA && !surrogateB && cb >= 0xe000) return 1;
    if (surrogateB && !surrogateA && ca >= 0xe000) return -1;
    return ca - cb;
  }
  return a.length - b.length;
}
