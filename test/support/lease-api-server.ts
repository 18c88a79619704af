/**
 * A local HTTP server speaking the Kubernetes API for `coordination.k8s.io/v1` Leases, as the API
 * server does for what the bucket locks use (no API server can be installed from the package
 * registries): bearer-token authentication (401), RBAC on the verbs (403 Forbidden for a verb the
 * Role does not grant), create (201; 409 AlreadyExists), get (404 NotFound), replace with
 * optimistic concurrency (409 Conflict on a stale `resourceVersion`), a cluster-wide increasing
 * `resourceVersion`, `uid` and `creationTimestamp` set by the server, MicroTime fields checked for
 * their RFC 3339 form with microseconds (400 BadRequest otherwise), and errors as `Status` bodies.
 * It serves HTTPS with a certificate made for 127.0.0.1 by `openssl`, as an API server does, so
 * clients check it against a CA file like a pod's ServiceAccount mount.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Json = Record<string, unknown>;

/** One request as the server saw it, with the RBAC verb it needs. */
export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly verb: string;
  readonly status: number;
}

export interface LeaseApiServerOptions {
  /** The token a request must carry (`Authorization: Bearer <token>`). */
  readonly token: string;
  /** Verbs the caller's Role grants on leases. @default ['get', 'create', 'update'] */
  readonly verbs?: readonly string[];
  /** The user named in 403 messages. @default 'system:serviceaccount:default:bucketbridge' */
  readonly user?: string;
}

const GROUP = 'coordination.k8s.io';
const PATH = /^\/apis\/coordination\.k8s\.io\/v1\/namespaces\/([^/]+)\/leases(?:\/([^/?]+))?\/?(?:\?.*)?$/;
const MICRO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}(Z|[+-]\d\d:\d\d)$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export class LeaseApiServer {
  private readonly server: Server;
  private readonly leases = new Map<string, Json>();
  private revision = 1000;
  readonly requests: SeenRequest[] = [];
  verbs: Set<string>;

  private constructor(
    private readonly options: LeaseApiServerOptions,
    readonly tls: { readonly cert: string; readonly key: string },
  ) {
    this.verbs = new Set(options.verbs ?? ['get', 'create', 'update']);
    this.server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
      this.handle(req, res).catch((err: unknown) => this.status(req, res, 500, 'InternalError', String(err), ''));
    });
  }

  static async start(options: LeaseApiServerOptions): Promise<LeaseApiServer> {
    const api = new LeaseApiServer(options, certificate());
    await new Promise<void>((resolve) => api.server.listen(0, '127.0.0.1', resolve));
    return api;
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /**
   * A directory laid out as a pod's ServiceAccount mount (`<dir>/var/run/secrets/kubernetes.io/
   * serviceaccount/{token,ca.crt,namespace}`), for in-cluster configuration with a path prefix.
   */
  serviceAccountMount(namespace: string, token: string = this.options.token): string {
    const root = mkdtempSync(join(tmpdir(), 'bucketbridge-sa-'));
    const dir = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'token'), token);
    writeFileSync(join(dir, 'ca.crt'), this.tls.cert);
    writeFileSync(join(dir, 'namespace'), namespace);
    return root;
  }

  /** A kubeconfig file for this server with `token`, context namespace `namespace`. */
  kubeconfig(token: string = this.options.token, namespace = 'default'): string {
    const file = join(mkdtempSync(join(tmpdir(), 'bucketbridge-kubeconfig-')), 'config');
    const config = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'lab', cluster: { server: this.url, 'certificate-authority-data': Buffer.from(this.tls.cert).toString('base64') } }],
      users: [{ name: 'runner', user: { token } }],
      contexts: [{ name: 'lab', context: { cluster: 'lab', user: 'runner', namespace } }],
      'current-context': 'lab',
    };
    writeFileSync(file, JSON.stringify(config));
    return file;
  }

  /** The stored lease (as the API would return it), for assertions. */
  lease(namespace: string, name: string): Json | undefined {
    const lease = this.leases.get(`${namespace}/${name}`);
    return lease === undefined ? undefined : structuredClone(lease);
  }

  /** Writes a lease directly, as another client would have (e.g. a holder that died). */
  put(namespace: string, lease: Json): void {
    const metadata: Json = { ...(lease.metadata as Json), namespace, resourceVersion: String(++this.revision), uid: randomUUID(), creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
    this.leases.set(`${namespace}/${String(metadata.name)}`, { apiVersion: `${GROUP}/v1`, kind: 'Lease', ...lease, metadata });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const match = PATH.exec(req.url ?? '');
    const method = req.method ?? 'GET';
    if (req.headers.authorization !== `Bearer ${this.options.token}`) {
      return this.status(req, res, 401, 'Unauthorized', 'Unauthorized', '');
    }
    if (match === null) return this.status(req, res, 404, 'NotFound', 'the server could not find the requested resource', '');
    const namespace = decodeURIComponent(match[1] ?? '');
    const name = match[2] === undefined ? undefined : decodeURIComponent(match[2]);
    const verb = verbOf(method, name);
    if (!this.verbs.has(verb)) {
      const target = name === undefined ? '' : ` "${name}"`;
      const user = this.options.user ?? 'system:serviceaccount:default:bucketbridge';
      return this.status(req, res, 403, 'Forbidden', `leases.${GROUP}${target} is forbidden: User "${user}" cannot ${verb} resource "leases" in API group "${GROUP}" in the namespace "${namespace}"`, verb, name);
    }
    const key = `${namespace}/${name ?? ''}`;
    if (verb === 'get') {
      const lease = this.leases.get(key);
      if (lease === undefined) return this.status(req, res, 404, 'NotFound', `leases.${GROUP} "${name}" not found`, verb, name);
      return this.send(req, res, 200, lease, verb);
    }
    if (verb !== 'create' && verb !== 'update') {
      return this.status(req, res, 405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`, verb, name);
    }
    const body = await readJson(req);
    if (body === undefined) return this.status(req, res, 400, 'BadRequest', 'the body of the request was in an unknown format', verb, name);
    const metadata = (body.metadata ?? {}) as Json;
    const bodyName = metadata.name;
    const invalid = this.invalid(body, namespace);
    if (invalid !== undefined) return this.status(req, res, invalid.code, invalid.reason, invalid.message, verb, name);
    if (verb === 'create') {
      if (metadata.resourceVersion !== undefined && metadata.resourceVersion !== '') {
        return this.status(req, res, 500, 'InternalError', 'resourceVersion should not be set on objects to be created', verb, String(bodyName));
      }
      const createKey = `${namespace}/${String(bodyName)}`;
      if (this.leases.has(createKey)) return this.status(req, res, 409, 'AlreadyExists', `leases.${GROUP} "${String(bodyName)}" already exists`, verb, String(bodyName));
      const stored = this.store(namespace, body, undefined);
      return this.send(req, res, 201, stored, verb);
    }
    if (bodyName !== name) {
      return this.status(req, res, 400, 'BadRequest', `the name of the object (${String(bodyName)}) does not match the name on the URL (${name})`, verb, name);
    }
    const current = this.leases.get(key);
    if (current === undefined) return this.status(req, res, 404, 'NotFound', `leases.${GROUP} "${name}" not found`, verb, name);
    const currentMeta = current.metadata as Json;
    const version = metadata.resourceVersion;
    if (version !== undefined && version !== '' && version !== currentMeta.resourceVersion) {
      return this.status(req, res, 409, 'Conflict', `Operation cannot be fulfilled on leases.${GROUP} "${name}": the object has been modified; please apply your changes to the latest version and try again`, verb, name);
    }
    return this.send(req, res, 200, this.store(namespace, body, currentMeta), verb);
  }

  /** Field validation the API server applies to a lease: 422 Invalid or 400 BadRequest. */
  private invalid(body: Json, namespace: string): { code: number; reason: string; message: string } | undefined {
    const metadata = (body.metadata ?? {}) as Json;
    const name = metadata.name;
    if (body.apiVersion !== `${GROUP}/v1` || body.kind !== 'Lease') {
      return { code: 400, reason: 'BadRequest', message: `the API version in the data (${String(body.apiVersion)}) or kind (${String(body.kind)}) does not match the expected API version (${GROUP}/v1) and kind (Lease)` };
    }
    if (metadata.namespace !== undefined && metadata.namespace !== namespace) {
      return { code: 400, reason: 'BadRequest', message: 'the namespace of the provided object does not match the namespace sent on the request' };
    }
    if (typeof name !== 'string' || name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
      return { code: 422, reason: 'Invalid', message: `Lease.${GROUP} "${String(name)}" is invalid: metadata.name: Invalid value: "${String(name)}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'` };
    }
    const spec = (body.spec ?? {}) as Json;
    for (const field of ['acquireTime', 'renewTime']) {
      const value = spec[field];
      if (value !== undefined && value !== null && (typeof value !== 'string' || !MICRO_TIME.test(value))) {
        return { code: 400, reason: 'BadRequest', message: `Lease in version "v1" cannot be handled as a Lease: parsing time ${JSON.stringify(value)} as "2006-01-02T15:04:05.000000Z07:00": cannot parse` };
      }
    }
    const duration = spec.leaseDurationSeconds;
    if (duration !== undefined && (typeof duration !== 'number' || !Number.isInteger(duration) || duration <= 0)) {
      return { code: 422, reason: 'Invalid', message: `Lease.${GROUP} "${name}" is invalid: spec.leaseDurationSeconds: Invalid value: ${String(duration)}: must be greater than 0` };
    }
    return undefined;
  }

  private store(namespace: string, body: Json, current: Json | undefined): Json {
    const metadata = body.metadata as Json;
    const stored: Json = {
      apiVersion: `${GROUP}/v1`,
      kind: 'Lease',
      metadata: {
        ...metadata,
        namespace,
        uid: current?.uid ?? randomUUID(),
        creationTimestamp: current?.creationTimestamp ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        resourceVersion: String(++this.revision),
      },
      spec: body.spec ?? {},
    };
    this.leases.set(`${namespace}/${String(metadata.name)}`, stored);
    return structuredClone(stored);
  }

  private send(req: IncomingMessage, res: ServerResponse, code: number, body: Json, verb: string): void {
    this.requests.push({ method: req.method ?? '', path: req.url ?? '', verb, status: code });
    res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  private status(req: IncomingMessage, res: ServerResponse, code: number, reason: string, message: string, verb: string, name?: string): void {
    const body: Json = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
    if (name !== undefined && ['NotFound', 'AlreadyExists', 'Conflict', 'Forbidden', 'Invalid'].includes(reason)) {
      body.details = { name, group: GROUP, kind: 'leases' };
    }
    this.send(req, res, code, body, verb);
  }
}

let made: { cert: string; key: string } | undefined;

/** A self-signed certificate for 127.0.0.1, made once per process with openssl. */
function certificate(): { cert: string; key: string } {
  if (made !== undefined) return made;
  const dir = mkdtempSync(join(tmpdir(), 'bucketbridge-tls-'));
  const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1'];
  args.push('-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'));
  try {
    execFileSync('openssl', args, { stdio: 'pipe' });
  } catch (err) {
    throw new Error(`the Lease API test server needs openssl to make its TLS certificate (apt-get install openssl): ${(err as Error).message}`);
  }
  made = { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
  return made;
}

function verbOf(method: string, name: string | undefined): string {
  switch (method) {
    case 'GET':
      return name === undefined ? 'list' : 'get';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return name === undefined ? 'deletecollection' : 'delete';
    default:
      return method.toLowerCase();
  }
}

async function readJson(req: IncomingMessage): Promise<Json | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
}
