/**
 * Optional peer dependencies: each public entry point needs only its own (cdk8s for
 * `bucketbridge/k8s`, Pulumi for `bucketbridge/pulumi`, the AWS SDK for `bucketbridge/engine`),
 * and a user installs just those. An entry point whose peers are missing fails on import with one
 * line naming the packages to install, instead of a stack trace from deep inside a module.
 */

/** Whether `name` can be resolved from this package's location (the app's node_modules). */
export function isInstalled(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}

/** The packages of `peers` that are not installed. */
export function missingPeers(peers: readonly string[]): string[] {
  return peers.filter((peer) => !isInstalled(peer));
}

/** The one-line message for an entry point whose peers are missing. */
export function missingPeersMessage(entry: string, missing: readonly string[], hint = ''): string {
  const which = missing.length === 1 ? 'dependency' : 'dependencies';
  return `${entry} needs the optional peer ${which} ${missing.join(', ')}: npm install ${missing.join(' ')}${hint}`;
}

/** Throws the one-line message when any of an entry point's peers is missing. */
export function assertPeers(entry: string, peers: readonly string[], hint = ''): void {
  const missing = missingPeers(peers);
  if (missing.length > 0) throw new MissingPeerError(missingPeersMessage(entry, missing, hint));
}

/** An entry point was imported without its optional peer dependencies. */
export class MissingPeerError extends Error {
  override readonly name = 'MissingPeerError';
}
