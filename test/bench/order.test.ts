import { describe, expect, it } from 'vitest';
import { balancedOrder, balancedRows } from '../../bench/order';

function rowsOf(n: number): number[][] {
  return Array.from({ length: balancedRows(n) }, (_, row) => balancedOrder(n, row));
}

describe('balancedOrder', () => {
  it.each([1, 2, 3, 4, 5, 6, 7])('gives every row of %i items as a permutation of them', (n) => {
    for (const row of rowsOf(n)) expect([...row].sort((a, b) => a - b)).toEqual([...Array(n).keys()]);
  });

  it.each([2, 3, 4, 5, 6, 7])('puts every item in every position equally often over the rows of %i items', (n) => {
    const rows = rowsOf(n);
    for (let position = 0; position < n; position++) {
      const counts = new Map<number, number>();
      for (const row of rows) counts.set(row[position]!, (counts.get(row[position]!) ?? 0) + 1);
      expect([...counts.values()]).toEqual(Array(n).fill(rows.length / n));
    }
  });

  it.each([2, 3, 4, 5, 6, 7])('lets every item follow every other equally often over the rows of %i items', (n) => {
    const rows = rowsOf(n);
    const follows = new Map<string, number>();
    for (const row of rows) for (let i = 1; i < n; i++) follows.set(`${row[i - 1]}>${row[i]}`, (follows.get(`${row[i - 1]}>${row[i]}`) ?? 0) + 1);
    expect(follows.size).toBe(n * (n - 1));
    expect(new Set(follows.values())).toEqual(new Set([(rows.length * (n - 1)) / (n * (n - 1))]));
  });

  it('starts over after its rows', () => {
    expect(balancedOrder(4, 5)).toEqual(balancedOrder(4, 1));
    expect(balancedOrder(3, 7)).toEqual(balancedOrder(3, 1));
  });

  it('orders 4 tools as a Williams square, 3 with the mirrored rows', () => {
    expect(rowsOf(4)).toEqual([
      [0, 1, 3, 2],
      [1, 2, 0, 3],
      [2, 3, 1, 0],
      [3, 0, 2, 1],
    ]);
    expect(rowsOf(3)).toEqual([
      [0, 1, 2],
      [1, 2, 0],
      [2, 0, 1],
      [2, 1, 0],
      [0, 2, 1],
      [1, 0, 2],
    ]);
  });

  it('rejects a count that is not a positive integer', () => {
    expect(() => balancedOrder(0, 0)).toThrow(/n must be a positive integer, got 0/);
    expect(() => balancedOrder(2.5, 0)).toThrow(RangeError);
  });
});
