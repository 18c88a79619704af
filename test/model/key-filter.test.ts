import { describe, expect, it } from 'vitest';
import { KeyFilter } from '../../lib/model/key-filter';

describe('KeyFilter', () => {
  it('passes everything without globs', () => {
    expect(new KeyFilter().matches('any/key')).toBe(true);
  });

  it('passes only keys matching an include', () => {
    const filter = new KeyFilter(['*.jpg', 'docs/**']);
    expect(filter.matches('a.jpg')).toBe(true);
    expect(filter.matches('docs/deep/x.txt')).toBe(true);
    expect(filter.matches('dir/a.jpg')).toBe(false);
    expect(filter.matches('a.png')).toBe(false);
  });

  it('drops keys matching an exclude, even when included', () => {
    const filter = new KeyFilter(['**'], ['**/.cache/**', '*.tmp']);
    expect(filter.matches('x/.cache/y')).toBe(false);
    expect(filter.matches('a.tmp')).toBe(false);
    expect(filter.matches('a.txt')).toBe(true);
  });

  it('matches dot files', () => {
    expect(new KeyFilter(['**/*.env']).matches('a/.hidden.env')).toBe(true);
  });
});
