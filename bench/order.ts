/**
 * Row `row` of a Williams design for `n` items: the order in which `n` tools take their turns in one
 * pass. Over `balancedRows(n)` consecutive rows every item takes every position equally often and
 * follows every other item equally often. A tool's run can leave the gateway with work or caches
 * that change the next one's; a rotation of one order keeps each tool behind the same predecessor.
 *
 * The first row is 0, 1, n-1, 2, n-2, ...; row r adds r to each item (mod n). For an odd `n`
 * that alone leaves some pairs out, so rows n to 2n-1 are rows 0 to n-1 reversed.
 */
export function balancedOrder(n: number, row: number): number[] {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`balancedOrder: n must be a positive integer, got ${n}`);
  const first: number[] = [0];
  for (let low = 1, high = n - 1; first.length < n; ) first.push(first.length % 2 === 1 ? low++ : high--);
  const r = row % balancedRows(n);
  const shifted = first.map((item) => (item + r) % n);
  return r < n ? shifted : shifted.reverse();
}

/** How many rows `balancedOrder` cycles through for `n` items: `n`, or `2n` when `n` is odd. */
export function balancedRows(n: number): number {
  return n % 2 === 0 ? n : 2 * n;
}
