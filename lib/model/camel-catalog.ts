import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { crdsDirectory } from './manifest-validator';

/** The Camel release whose YAML DSL schema and component catalog flows are checked against. */
export const CAMEL_CATALOG_VERSION = '4.14.9';

/** `camel-<version>.yaml-dsl.schema.json`: the Camel YAML DSL's JSON schema (npm `@kaoto/camel-catalog`). */
export const CAMEL_YAML_DSL_SCHEMA_FILE = `camel-${CAMEL_CATALOG_VERSION}.yaml-dsl.schema.json`;

/** `camel-<version>.components.json`: Camel's component catalog (URI syntax and options per scheme). */
export const CAMEL_COMPONENTS_FILE = `camel-${CAMEL_CATALOG_VERSION}.components.json`;

/** One way a flow breaks the Camel YAML DSL schema or the component catalog. */
export interface CamelFlowProblem {
  /** JSON pointer inside the flows array, e.g. `/0/route/from/parameters/brokers`. */
  readonly path: string;
  readonly message: string;
}

export function formatCamelFlowProblem(problem: CamelFlowProblem): string {
  return `${problem.path || '/'} ${problem.message}`;
}

interface CatalogOption {
  readonly kind: 'path' | 'parameter';
  readonly type?: string;
  readonly javaType?: string;
  readonly enum?: readonly string[];
  readonly required?: boolean;
  readonly prefix?: string;
  readonly multiValue?: boolean;
}

interface CatalogComponent {
  readonly component: { readonly scheme: string; readonly syntax: string; readonly lenientProperties?: boolean };
  readonly properties: Readonly<Record<string, CatalogOption>>;
}

type Json = Record<string, unknown>;

/** EIPs whose `uri` (or string value) names an endpoint. */
const ENDPOINT_KEYS = new Set(['from', 'to', 'toD', 'wireTap', 'interceptSendToEndpoint']);
/** Keys whose string value is an endpoint URI. */
const URI_STRING_KEYS = new Set(['to', 'toD', 'wireTap', 'deadLetterUri']);

const PLACEHOLDER = /\{\{[^}]*\}\}|\$\{[^}]*\}/;

const validators = new Map<string, CamelFlowValidator>();

/**
 * Checks Camel YAML DSL flows (a Camel K Integration's `spec.flows`) as Camel would when it starts
 * the routes: the flows against the YAML DSL's JSON schema, and every endpoint URI's scheme, path and
 * option names and enum values (both `?query` options and `parameters:`) against the component
 * catalog. The Integration CRD types `flows` as free-form, so without this a misspelt option only
 * fails in the cluster (`ResolveEndpointFailedException`).
 *
 * The two files are large (the catalog is 15 MB): each is read once per directory and process, on
 * first use.
 */
export class CamelFlowValidator {
  static forDirectory(dir: string = crdsDirectory()): CamelFlowValidator {
    const key = resolve(dir);
    let validator = validators.get(key);
    if (!validator) {
      validator = new CamelFlowValidator(key);
      validators.set(key, validator);
    }
    return validator;
  }

  private schema?: ValidateFunction;
  private catalog?: Readonly<Record<string, CatalogComponent>>;

  private constructor(readonly directory: string) {}

  validate(flows: unknown): CamelFlowProblem[] {
    const validate = this.dslSchema();
    const problems: CamelFlowProblem[] = [];
    if (!validate(flows)) problems.push(...toProblems(validate.errors));
    for (const endpoint of findEndpoints(flows)) problems.push(...this.checkEndpoint(endpoint));
    return problems;
  }

  /** The catalog's option names for a scheme, or `undefined` when Camel has no such component. */
  optionNames(scheme: string): string[] | undefined {
    const component = this.components()[scheme];
    return component && Object.keys(component.properties);
  }

  private dslSchema(): ValidateFunction {
    if (!this.schema) {
      const schema = JSON.parse(readFileSync(join(this.directory, CAMEL_YAML_DSL_SCHEMA_FILE), 'utf8')) as Json;
      delete schema.$schema;
      const ajv = new Ajv({ strict: false, allErrors: false, validateFormats: false });
      this.schema = ajv.compile(schema);
    }
    return this.schema;
  }

  private components(): Readonly<Record<string, CatalogComponent>> {
    this.catalog ??= JSON.parse(readFileSync(join(this.directory, CAMEL_COMPONENTS_FILE), 'utf8')) as Record<
      string,
      CatalogComponent
    >;
    return this.catalog;
  }

  private checkEndpoint(endpoint: Endpoint): CamelFlowProblem[] {
    const { path, uri, parameters } = endpoint;
    const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(uri)?.[1];
    if (!scheme) return [{ path, message: `endpoint URI has no scheme: ${JSON.stringify(uri)}` }];
    const component = this.components()[scheme];
    if (!component) return [{ path, message: `unknown Camel component ${JSON.stringify(scheme)}` }];
    if (PLACEHOLDER.test(uri.split('?')[0] ?? '')) return [];
    const problems: CamelFlowProblem[] = [];
    const [base = '', query] = splitOnce(uri, '?');
    const remainder = base.slice(scheme.length + 1).replace(/^\/\//, '');
    const required = Object.entries(component.properties).filter(([, o]) => o.kind === 'path' && o.required);
    if (required.length > 0 && remainder.length === 0) {
      const names = required.map(([name]) => name).join(', ');
      problems.push({ path, message: `${scheme}: URI ${JSON.stringify(uri)} lacks the path (${names}); syntax ${component.component.syntax}` });
    }
    const options: Array<[string, unknown, string]> = [];
    for (const pair of (query ?? '').split('&').filter(Boolean)) {
      const [name = '', value = ''] = splitOnce(pair, '=');
      options.push([decodeURIComponent(name), decodeURIComponent(value), `${path} (query)`]);
    }
    for (const [name, value] of Object.entries(parameters ?? {})) {
      options.push([name, value, `${path}/parameters/${escapePointer(name)}`]);
    }
    for (const [name, value, at] of options) {
      const problem = checkOption(component, name, value);
      if (problem) problems.push({ path: at, message: `${scheme}: ${problem}` });
    }
    return problems;
  }
}

function checkOption(component: CatalogComponent, name: string, value: unknown): string | undefined {
  const option = component.properties[name];
  if (!option || option.kind !== 'parameter') {
    const prefixed = Object.values(component.properties).some((o) => o.prefix && name.startsWith(o.prefix));
    if (prefixed || component.component.lenientProperties) return undefined;
    return `unknown option ${JSON.stringify(name)}`;
  }
  const text = String(value);
  if (PLACEHOLDER.test(text)) return undefined;
  // Camel converts to Java enums strictly; a String option's list (aws2-s3 `region`) only names known
  // values, and RGW zone groups or S3-compatible stores use others.
  const strictEnum = option.enum !== undefined && option.javaType !== 'java.lang.String';
  if (strictEnum && option.enum && !option.enum.includes(text)) {
    return `option ${JSON.stringify(name)} must be one of ${JSON.stringify(option.enum)}, got ${JSON.stringify(text)}`;
  }
  if (option.type === 'boolean' && text !== 'true' && text !== 'false') {
    return `option ${JSON.stringify(name)} must be true or false, got ${JSON.stringify(text)}`;
  }
  if (option.type === 'integer' && !/^-?\d+$/.test(text)) {
    return `option ${JSON.stringify(name)} must be an integer, got ${JSON.stringify(text)}`;
  }
  return undefined;
}

interface Endpoint {
  readonly path: string;
  readonly uri: string;
  readonly parameters?: Json;
}

/** Every endpoint in the flows: `{uri, parameters}` objects of endpoint EIPs and URI strings. */
function findEndpoints(node: unknown, path = '', key = ''): Endpoint[] {
  if (Array.isArray(node)) return node.flatMap((item, i) => findEndpoints(item, `${path}/${i}`, key));
  if (typeof node === 'string') return URI_STRING_KEYS.has(key) ? [{ path, uri: node }] : [];
  if (typeof node !== 'object' || node === null) return [];
  const object = node as Json;
  const found: Endpoint[] = [];
  if (ENDPOINT_KEYS.has(key) && typeof object.uri === 'string') {
    const parameters = typeof object.parameters === 'object' && object.parameters !== null ? (object.parameters as Json) : undefined;
    found.push({ path, uri: object.uri, parameters });
  }
  for (const [child, value] of Object.entries(object)) {
    if (child === 'parameters' || child === 'uri') continue;
    found.push(...findEndpoints(value, `${path}/${escapePointer(child)}`, child));
  }
  return found;
}

function toProblems(errors: ErrorObject[] | null | undefined): CamelFlowProblem[] {
  return (errors ?? []).map((error) => {
    const params = error.params as Record<string, unknown>;
    const extra = error.keyword === 'additionalProperties' ? `: '${String(params.additionalProperty)}'` : '';
    return { path: error.instancePath, message: `${error.message ?? error.keyword}${extra}` };
  });
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + separator.length)];
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}
