/**
 * The lab's second user (`alt`) as the replicators' identity, and the AWS-style unique id the
 * RGW event bridge (test/camel/rgw-event-bridge.ts) gives an RGW user in "AWS" events.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

/** The AWS unique id (`AIDA...`) the bridge gives an RGW user. */
export function awsUniqueId(uid: string): string {
  return `AIDA${createHash('sha256').update(uid).digest('hex').slice(0, 17).toUpperCase()}`;
}

/** The keys of the lab's second user, from the environment or `scripts/cephlab.sh env`. */
export function altCredentials(): { accessKeyId: string; secretAccessKey: string } {
  let env: Record<string, string | undefined> = process.env;
  if (!env.CEPHLAB_ALT_ACCESS_KEY_ID) {
    const script = path.resolve(__dirname, '../../scripts/cephlab.sh');
    const out = execFileSync('bash', [script, 'env'], { encoding: 'utf8' });
    env = Object.fromEntries([...out.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
  }
  const accessKeyId = env.CEPHLAB_ALT_ACCESS_KEY_ID;
  const secretAccessKey = env.CEPHLAB_ALT_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) throw new Error('no CEPHLAB_ALT_* keys: the lab\'s second user is needed as the replicators\' identity');
  return { accessKeyId, secretAccessKey };
}
