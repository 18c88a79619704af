/**
 * Local stand-ins for the services that hand out temporary AWS credentials, so the engine's
 * credential chain can be driven end to end without AWS: the container-credentials endpoint of
 * ECS and EKS Pod Identity, and STS (`AssumeRole`, `AssumeRoleWithWebIdentity`). Both hand out
 * the keys they are given (the gateway user's), with a session token and an expiration chosen by
 * the test, and record every request.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Keys {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** How long the handed-out credentials are valid; the SDK refreshes them 5 minutes before expiry. */
export type Lifetime = () => number;

export interface LocalServer {
  readonly url: string;
  close(): Promise<void>;
}

async function listen(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handler(req, Buffer.concat(chunks).toString(), res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function closer(server: Server): () => Promise<void> {
  return () =>
    new Promise((resolve, reject) => {
      server.closeAllConnections();
      server.close((err) => (err ? reject(err) : resolve()));
    });
}

export interface ContainerHit {
  readonly at: number;
  readonly authorized: boolean;
}

export interface ContainerCredentialsServer extends LocalServer {
  /** Every request, in order. */
  readonly hits: ContainerHit[];
}

/**
 * The container-credentials protocol (`AWS_CONTAINER_CREDENTIALS_FULL_URI` with
 * `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`): a GET whose `Authorization` header must equal the
 * token file's content, answered with `{ AccessKeyId, SecretAccessKey, Token, Expiration }`.
 *
 * @see https://docs.aws.amazon.com/sdkref/latest/guide/feature-container-credentials.html
 */
export async function containerCredentialsServer(keys: Keys, tokenFile: string, lifetimeMs: Lifetime): Promise<ContainerCredentialsServer> {
  const hits: ContainerHit[] = [];
  const { server, url } = await listen((req, _body, res) => {
    const authorized = req.headers.authorization === readFileSync(tokenFile, 'utf8');
    hits.push({ at: Date.now(), authorized });
    if (!authorized) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'bad token' }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        AccessKeyId: keys.accessKeyId,
        SecretAccessKey: keys.secretAccessKey,
        Token: `container-session-${hits.length}`,
        Expiration: new Date(Date.now() + lifetimeMs()).toISOString(),
      }),
    );
  });
  return { url: `${url}/v1/credentials`, hits, close: closer(server) };
}

export interface StsCall {
  readonly at: number;
  readonly action: string;
  readonly params: Readonly<Record<string, string>>;
  /** The access key id in the request's SigV4 `Authorization` header, if it was signed. */
  readonly signedBy?: string;
}

export interface StsServer extends LocalServer {
  readonly calls: StsCall[];
  /** Makes the next `count` calls fail with this STS error code (HTTP 400, or 503 for throttling). */
  failNext(count: number, code: string): void;
}

export interface StsOptions {
  readonly keys: Keys;
  readonly lifetimeMs: Lifetime;
  /**
   * Checks a call before it is answered; a returned string is sent back as an `AccessDenied`
   * error, as STS refuses a token or an external id it does not accept.
   */
  readonly check?: (call: StsCall) => string | undefined;
}

/**
 * STS's query protocol for `AssumeRole` and `AssumeRoleWithWebIdentity`: a form-encoded POST
 * answered with the XML of the real service.
 *
 * @see https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
 */
export async function stsServer(options: StsOptions): Promise<StsServer> {
  const calls: StsCall[] = [];
  const failures: string[] = [];
  const { server, url } = await listen((req, body, res) => {
    const params = Object.fromEntries(new URLSearchParams(body));
    const signedBy = /Credential=([^/]+)\//.exec(req.headers.authorization ?? '')?.[1];
    const call: StsCall = { at: Date.now(), action: params.Action ?? '', params, signedBy };
    calls.push(call);
    const failure = failures.shift() ?? options.check?.(call);
    if (failure !== undefined) {
      const status = failure === 'Throttling' ? 503 : 400;
      res.writeHead(status, { 'content-type': 'text/xml' }).end(
        `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${failure}</Code>` +
          `<Message>refused by the test STS</Message></Error><RequestId>${randomBytes(8).toString('hex')}</RequestId></ErrorResponse>`,
      );
      return;
    }
    const action = call.action;
    const expiration = new Date(Date.now() + options.lifetimeMs()).toISOString();
    const arn = params.RoleArn ?? '';
    res.writeHead(200, { 'content-type': 'text/xml' }).end(
      `<${action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><${action}Result>` +
        `<Credentials><AccessKeyId>${options.keys.accessKeyId}</AccessKeyId><SecretAccessKey>${options.keys.secretAccessKey}</SecretAccessKey>` +
        `<SessionToken>sts-session-${calls.length}</SessionToken><Expiration>${expiration}</Expiration></Credentials>` +
        `<AssumedRoleUser><Arn>${arn}/${params.RoleSessionName ?? ''}</Arn><AssumedRoleId>AROATEST:${params.RoleSessionName ?? ''}</AssumedRoleId></AssumedRoleUser>` +
        `</${action}Result><ResponseMetadata><RequestId>${randomBytes(8).toString('hex')}</RequestId></ResponseMetadata></${action}Response>`,
    );
  });
  return {
    url,
    calls,
    failNext: (count, code) => failures.push(...Array<string>(count).fill(code)),
    close: closer(server),
  };
}

export interface ImdsHit {
  readonly at: number;
  readonly method: string;
  readonly path: string;
  /** Whether the request carried the session token of a `PUT /latest/api/token` (IMDSv2). */
  readonly withToken: boolean;
}

export interface InstanceMetadataServer extends LocalServer {
  readonly hits: ImdsHit[];
}

/**
 * The EC2 instance metadata service, IMDSv2 only (requests without a session token get 401, as
 * with `HttpTokens=required`): `PUT /latest/api/token`, then the role name and its credentials
 * under `/latest/meta-data/iam/security-credentials/`. Point the SDK at it with
 * `AWS_EC2_METADATA_SERVICE_ENDPOINT`.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instance-metadata-security-credentials.html
 */
export async function instanceMetadataServer(keys: Keys, lifetimeMs: Lifetime, role = 'bucketbridge-node'): Promise<InstanceMetadataServer> {
  const hits: ImdsHit[] = [];
  const sessions = new Set<string>();
  const { server, url } = await listen((req, _body, res) => {
    const path = req.url ?? '';
    const token = req.headers['x-aws-ec2-metadata-token'];
    const withToken = typeof token === 'string' && sessions.has(token);
    hits.push({ at: Date.now(), method: req.method ?? '', path, withToken });
    if (req.method === 'PUT' && path === '/latest/api/token' && req.headers['x-aws-ec2-metadata-token-ttl-seconds'] !== undefined) {
      const session = randomBytes(16).toString('hex');
      sessions.add(session);
      res.writeHead(200, { 'content-type': 'text/plain' }).end(session);
      return;
    }
    if (!withToken) {
      res.writeHead(401).end();
      return;
    }
    const prefix = '/latest/meta-data/iam/security-credentials/';
    if (path === prefix) {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(role);
    } else if (path === prefix + role) {
      const now = new Date();
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          Code: 'Success',
          LastUpdated: now.toISOString(),
          Type: 'AWS-HMAC',
          AccessKeyId: keys.accessKeyId,
          SecretAccessKey: keys.secretAccessKey,
          Token: `imds-session-${hits.length}`,
          Expiration: new Date(now.getTime() + lifetimeMs()).toISOString(),
        }),
      );
    } else {
      res.writeHead(404).end();
    }
  });
  return { url, hits, close: closer(server) };
}
