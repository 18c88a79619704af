import { ConfigurationError } from '../errors';

/** `[host:]port` -> host and port; a bare port listens on 0.0.0.0. */
export function parseListen(address: string, what: string): { host: string; port: number } {
  const match = /^(?:(.*):)?(\d+)$/.exec(address);
  if (match === null) throw new ConfigurationError(`'${what}' must be [host:]port, got ${JSON.stringify(address)}`);
  const host = match[1] === undefined || match[1] === '' ? '0.0.0.0' : match[1].replace(/^\[|\]$/g, '');
  return { host, port: Number(match[2]) };
}
