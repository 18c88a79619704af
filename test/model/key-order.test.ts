import { describe, expect, it } from 'vitest';
import { compareKeys } from '../../lib/model/key-order';

describe('compareKeys', () => {
  it('orders by UTF-8 bytes, where JavaScript string order disagrees', () => {
    const astral = '\u{1F600}'; // UTF-16 D83D..., UTF-8 F0...
    const bmp = '\uFF5E'; // UTF-16 FF5E, UTF-8 EF BD BE
    expect(astral < bmp).toBe(true);
    expect(compareKeys(astral, bmp)).toBeGreaterThan(0);
  });

  it('puts a-b before a/b before a0, as S3 lists them', () => {
    expect(['a0', 'a/b', 'a-b'].sort(compareKeys)).toEqual(['a-b', 'a/b', 'a0']);
  });

  it('says equal keys are equal', () => {
    expect(compareKeys('dir/é', 'dir/é')).toBe(0);
  });
});

describe('compareKeys against Buffer.compare', () => {
  it('agrees on the sign for keys across the whole code point range', () => {
    const samples = ['', 'a', 'a/', 'a-', 'z', '\u007f', '\u0080', 'é', '\u07ff', '\u0800', '\ud7ff', '\ue000', '\uff5e', '\uffff', '\u{10000}', '\u{1f600}', '\u{10ffff}', 'ab', 'a\u{1f600}', 'a\uffff'];
    for (const a of samples) {
      for (const b of samples) {
        const expected = Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b)));
        expect(Math.sign(compareKeys(a, b)), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBe(expected);
      }
    }
  });
});
