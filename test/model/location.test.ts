import { describe, expect, it } from 'vitest';
import { LocationError, formatLocation, parseLocation } from '../../lib/model/location';

describe('parseLocation', () => {
  it('reads a remote, a bucket and a prefix that becomes a directory', () => {
    expect(parseLocation('ceph:photos/2024/may')).toEqual({ kind: 'remote', remote: 'ceph', bucket: 'photos', prefix: '2024/may/' });
  });

  it('reads a bare bucket with no prefix', () => {
    expect(parseLocation('SOURCE:data')).toEqual({ kind: 'remote', remote: 'SOURCE', bucket: 'data', prefix: '' });
    expect(parseLocation('src:data/')).toEqual({ kind: 'remote', remote: 'src', bucket: 'data', prefix: '' });
  });

  it('takes paths without a remote name as local directories', () => {
    expect(parseLocation('/var/data')).toEqual({ kind: 'local', path: '/var/data' });
    expect(parseLocation('./a:b')).toEqual({ kind: 'local', path: './a:b' });
    expect(parseLocation('relative/dir')).toEqual({ kind: 'local', path: 'relative/dir' });
  });

  it('fails when a remote names no bucket', () => {
    expect(() => parseLocation('ceph:')).toThrow(LocationError);
    expect(() => parseLocation('ceph:')).toThrow(/names no bucket/);
  });

  it('fails on an empty location', () => {
    expect(() => parseLocation('')).toThrow(LocationError);
  });

  it('formats a location back', () => {
    expect(formatLocation(parseLocation('ceph:b/p'))).toBe('ceph:b/p/');
    expect(formatLocation(parseLocation('/tmp/x'))).toBe('/tmp/x');
  });
});
