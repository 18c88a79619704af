import { describe, expect, it } from 'vitest';
import { headerSafeValue } from '../../lib/model/header-value';

describe('headerSafeValue', () => {
  it('leaves ASCII values, including encoded words, as they are', () => {
    expect(headerSafeValue('plain value')).toBe('plain value');
    expect(headerSafeValue('=?UTF-8?B?w6k=?=')).toBe('=?UTF-8?B?w6k=?=');
  });

  it('re-encodes raw UTF-8 bytes read back as Latin-1 into one RFC 2047 word', () => {
    const fromHeader = Buffer.from('café', 'utf8').toString('latin1');
    expect(headerSafeValue(fromHeader)).toBe(`=?UTF-8?B?${Buffer.from('café').toString('base64')}?=`);
  });

  it('encodes a string with characters beyond Latin-1 as UTF-8', () => {
    expect(headerSafeValue('日本')).toBe(`=?UTF-8?B?${Buffer.from('日本').toString('base64')}?=`);
  });
});
