import { describe, expect, it } from 'vitest';
import { assertPeers, isInstalled, MissingPeerError, missingPeers } from '../../lib/model/peers';

describe('optional peer dependencies', () => {
  it('finds installed packages and reports missing ones', () => {
    expect(isInstalled('ajv')).toBe(true);
    expect(missingPeers(['ajv', '@bucketbridge-test/not-installed'])).toEqual(['@bucketbridge-test/not-installed']);
  });

  it('fails in one line naming every missing package and the command that installs them', () => {
    let error: unknown;
    try {
      assertPeers('bucketbridge/pulumi', ['ajv', '@bucketbridge-test/a', '@bucketbridge-test/b']);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MissingPeerError);
    expect((error as Error).message).toBe(
      'bucketbridge/pulumi needs the optional peer dependencies @bucketbridge-test/a, @bucketbridge-test/b: npm install @bucketbridge-test/a @bucketbridge-test/b',
    );
    expect((error as Error).message).not.toContain('\n');
  });

  it('passes when every peer is installed', () => {
    expect(() => assertPeers('bucketbridge/k8s', ['cdk8s', 'constructs'])).not.toThrow();
  });
});
