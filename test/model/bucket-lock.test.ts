import { describe, expect, it } from 'vitest';
import { bucketLockName, bucketLockNames, bucketServer } from '../../lib/model';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

describe('bucket lock names', () => {
  it('are readable DNS labels, distinct per server and bucket', () => {
    const name = bucketLockName('garage.example.com', 'my-bucket');
    expect(name).toMatch(/^bucketbridge-lock-my-bucket-[0-9a-f]{12}$/);
    expect(name).toBe(bucketLockName('garage.example.com', 'my-bucket'));
    expect(bucketLockName('other.example.com', 'my-bucket')).not.toBe(name);
    expect(bucketLockName('garage.example.com', 'my-bucket2')).not.toBe(name);
  });

  it('stay valid DNS labels for long and dotted bucket names', () => {
    for (const bucket of ['a'.repeat(63), 'logs.example.com.backup', 'UPPER_case', '---', '1.2.3.4']) {
      const name = bucketLockName('aws', bucket);
      expect(name).toMatch(DNS_LABEL);
      expect(name.length).toBeLessThanOrEqual(63);
    }
    expect(bucketLockName('aws', 'a'.repeat(63))).not.toBe(bucketLockName('aws', 'a'.repeat(62)));
  });

  it('identify the server by host and port, or aws without an endpoint', () => {
    expect(bucketServer('https://GARAGE.example.com/')).toBe('garage.example.com');
    expect(bucketServer('http://127.0.0.1:7480')).toBe('127.0.0.1:7480');
    expect(bucketServer('garage.example.com')).toBe('garage.example.com');
    expect(bucketServer(undefined)).toBe('aws');
  });

  it('are the same for one bucket whatever the remote is called, and none for local directories', () => {
    const env = {
      RCLONE_CONFIG_SOURCE_ENDPOINT: 'http://127.0.0.1:7480',
      RCLONE_CONFIG_DESTINATION_ENDPOINT: 'http://127.0.0.1:7480/',
      RCLONE_CONFIG_CEPH_ENDPOINT: 'http://127.0.0.1:7480',
    };
    const [a] = bucketLockNames(['source:shared/x', '/tmp/dir'], env);
    const [b] = bucketLockNames(['ceph:shared'], env);
    expect(a).toBe(b);
    expect(bucketLockNames(['source:shared/a', 'destination:shared/b'], env)).toEqual([a]);
    expect(bucketLockNames(['/data', './x'], env)).toEqual([]);
    const both = bucketLockNames(['source:zeta', 'destination:alpha'], env);
    expect(both).toEqual([...both].sort());
    expect(both).toHaveLength(2);
  });
});
