import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import type { RegExpEngine } from 'ajv/dist/types';
import addFormats from 'ajv-formats';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import yaml from 'js-yaml';
import { formatValue } from './errors';
import { PROJECT_SCHEMAS } from './project-schemas';
import { KUBERNETES_CRON_FORMAT, validateCronSchedule } from './schedule';

/** Environment variable naming the directory of upstream CRD and Kubernetes schema files. */
export const CRDS_DIR_ENV = 'BUCKETBRIDGE_CRDS_DIR';

/** The Kubernetes 1.28 OpenAPI definitions file (cdk8s-team/cdk8s `kubernetes-schemas/v1.28.0`). */
export const K8S_DEFINITIONS_FILE = 'k8s-1.28-definitions.json';

const K8S_SCHEMA_ID = 'k8s';
const OBJECT_META = `${K8S_SCHEMA_ID}#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`;

/**
 * The directory holding the upstream schemas: `$BUCKETBRIDGE_CRDS_DIR` when set, else `../shared/crds`
 * beside the directory of this package's `package.json`.
 */
export function crdsDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[CRDS_DIR_ENV];
  if (fromEnv) return resolve(fromEnv);
  return resolve(packageRoot(), '..', 'shared', 'crds');
}

function packageRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${__dirname}; set ${CRDS_DIR_ENV}`);
    dir = parent;
  }
  return dir;
}

/** One way a manifest object breaks its schema. */
export interface ManifestProblem {
  /** `<apiVersion> <kind> <namespace>/<name>` of the offending object. */
  readonly object: string;
  /** JSON pointer inside the object, e.g. `/spec/gateway/port`; empty for the whole object. */
  readonly path: string;
  readonly message: string;
}

export function formatManifestProblem(problem: ManifestProblem): string {
  return `${problem.object}: ${problem.path || '/'} ${problem.message}`;
}

/** Where one schema for an apiVersion/kind comes from, compiled on first use. */
interface SchemaSource {
  readonly file: string;
  readonly schema: object | string;
  /** CRD schemas declare `metadata` as a bare object, so it is checked against ObjectMeta as well. */
  readonly checkMetadata: boolean;
  validate?: ValidateFunction;
}

type Json = Record<string, unknown>;

const validators = new Map<string, ManifestValidator>();

/**
 * Validates Kubernetes manifest objects against the upstream schemas: each CRD's `openAPIV3Schema`
 * (every served version, apiextensions v1 and v1beta1) and, for core objects, the Kubernetes 1.28
 * definitions selected by `x-kubernetes-group-version-kind`.
 *
 * Follows the API server's strict field validation: a field a schema does not declare is an error
 * unless the schema preserves unknown fields. An object whose apiVersion/kind has no schema is an
 * error. When several files define the same apiVersion/kind (two releases of one CRD), an object
 * passes if it matches any of them. Where bucketbridge has a schema of its own for a kind whose CRD
 * validates too little ({@link PROJECT_SCHEMAS}), the object must match that schema as well.
 */
export class ManifestValidator {
  /** One validator per directory per process: the schema files are large, and compiled schemas are kept. */
  static forDirectory(dir: string = crdsDirectory()): ManifestValidator {
    const key = resolve(dir);
    let validator = validators.get(key);
    if (!validator) {
      validator = new ManifestValidator(key);
      validators.set(key, validator);
    }
    return validator;
  }

  private readonly ajv: Ajv;
  private readonly sources = new Map<string, SchemaSource[]>();
  private readonly projectSources = new Map<string, SchemaSource[]>();
  private readonly metadata: ValidateFunction;

  private constructor(readonly directory: string) {
    this.ajv = new Ajv({ strict: false, allErrors: true, code: { regExp: re2Compatible } });
    addFormats(this.ajv);
    this.ajv.addFormat(KUBERNETES_CRON_FORMAT, {
      type: 'string',
      validate: (schedule: string) => validateCronSchedule(schedule) === undefined,
    });
    this.loadKubernetesDefinitions();
    for (const file of readdirSync(directory).filter((f) => /\.ya?ml$/.test(f)).sort()) {
      this.loadCustomResourceDefinitions(file);
    }
    this.metadata = this.compile({ file: K8S_DEFINITIONS_FILE, schema: OBJECT_META, checkMetadata: false });
    for (const { apiVersion, kind, name, schema } of PROJECT_SCHEMAS) {
      const key = `${apiVersion}/${kind}`;
      this.projectSources.set(key, [...(this.projectSources.get(key) ?? []), { file: name, schema, checkMetadata: false }]);
    }
  }

  /** The apiVersion/kind pairs this validator has a schema for, as `<apiVersion>/<kind>`. */
  get kinds(): string[] {
    return [...this.sources.keys()].sort();
  }

  validate(object: unknown): ManifestProblem[] {
    if (!isObject(object)) {
      return [{ object: formatValue(object), path: '', message: 'must be an object' }];
    }
    const label = describe(object);
    const { apiVersion, kind, metadata } = object;
    const sources = this.sources.get(`${String(apiVersion)}/${String(kind)}`);
    if (!sources) {
      return [{ object: label, path: '', message: 'has no schema for this apiVersion and kind' }];
    }
    const problems: ManifestProblem[] = [];
    if (!isObject(metadata) || (typeof metadata.name !== 'string' && typeof metadata.generateName !== 'string')) {
      problems.push({ object: label, path: '/metadata', message: "must have property 'name'" });
    } else if (sources.some((source) => source.checkMetadata) && !this.metadata(metadata)) {
      problems.push(...toProblems(label, '/metadata', this.metadata.errors));
    }
    const failures: ManifestProblem[] = [];
    for (const source of sources) {
      const validate = this.compile(source);
      if (validate(object)) {
        failures.length = 0;
        break;
      }
      const prefix = sources.length > 1 ? `(${source.file}) ` : '';
      failures.push(...toProblems(label, '', validate.errors, prefix));
    }
    for (const source of this.projectSources.get(`${String(apiVersion)}/${String(kind)}`) ?? []) {
      const validate = this.compile(source);
      if (!validate(object)) failures.push(...toProblems(label, '', validate.errors, `(${source.file}) `));
    }
    return [...problems, ...failures];
  }

  validateAll(objects: readonly unknown[]): ManifestProblem[] {
    return objects.flatMap((object) => this.validate(object));
  }

  private compile(source: SchemaSource): ValidateFunction {
    if (!source.validate) {
      const validate =
        typeof source.schema === 'string' ? this.ajv.getSchema(source.schema) : this.ajv.compile(source.schema);
      if (!validate) throw new Error(`${source.file}: no schema ${String(source.schema)}`);
      source.validate = validate;
    }
    return source.validate;
  }

  private register(apiVersion: string, kind: string, source: SchemaSource): void {
    const key = `${apiVersion}/${kind}`;
    this.sources.set(key, [...(this.sources.get(key) ?? []), source]);
  }

  private loadKubernetesDefinitions(): void {
    const document = JSON.parse(readFileSync(join(this.directory, K8S_DEFINITIONS_FILE), 'utf8')) as Json;
    const definitions = (document.definitions ?? {}) as Record<string, Json>;
    for (const definition of Object.values(definitions)) prepareSchema(definition, true);
    this.ajv.addSchema(document, K8S_SCHEMA_ID);
    for (const [name, definition] of Object.entries(definitions)) {
      const gvks = definition['x-kubernetes-group-version-kind'];
      if (!Array.isArray(gvks)) continue;
      for (const gvk of gvks as Array<{ group: string; version: string; kind: string }>) {
        const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
        const schema = `${K8S_SCHEMA_ID}#/definitions/${name}`;
        this.register(apiVersion, gvk.kind, { file: K8S_DEFINITIONS_FILE, schema, checkMetadata: false });
      }
    }
  }

  private loadCustomResourceDefinitions(file: string): void {
    for (const document of yaml.loadAll(readFileSync(join(this.directory, file), 'utf8'))) {
      if (!isObject(document) || document.kind !== 'CustomResourceDefinition' || !isObject(document.spec)) continue;
      const spec = document.spec;
      const kind = String((spec.names as Json | undefined)?.kind);
      const shared = (spec.validation as Json | undefined)?.openAPIV3Schema;
      // apiextensions v1beta1 keeps unknown fields unless the CRD opts into pruning.
      const pruned = document.apiVersion !== 'apiextensions.k8s.io/v1beta1' || spec.preserveUnknownFields === false;
      const versions = Array.isArray(spec.versions)
        ? (spec.versions as Json[])
        : [{ name: spec.version, served: true }];
      for (const version of versions) {
        if (version.served === false) continue;
        const schema = ((version.schema as Json | undefined)?.openAPIV3Schema ?? shared) as Json | undefined;
        if (!schema) continue;
        const root = prepareSchema(withObjectBasics(schema), pruned);
        this.register(`${String(spec.group)}/${String(version.name)}`, kind, { file, schema: root, checkMetadata: true });
      }
    }
  }
}

/**
 * Makes an OpenAPI schema from Kubernetes compile and behave as the API server does, in place:
 * - `nullable` without `type` is dropped (ajv rejects it; it only matters beside `type`);
 * - when `close` (the API server prunes unknown fields), an object schema that lists `properties` and
 *   neither `additionalProperties`, `x-kubernetes-preserve-unknown-fields` nor a combinator is closed,
 *   as the API server's strict field validation is.
 */
function prepareSchema(node: Json, close: boolean): Json {
  if ('nullable' in node && !('type' in node)) delete node.nullable;
  const closable =
    close &&
    isObject(node.properties) &&
    node.additionalProperties === undefined &&
    node['x-kubernetes-preserve-unknown-fields'] !== true &&
    !('anyOf' in node || 'oneOf' in node || 'allOf' in node);
  if (closable) node.additionalProperties = false;
  for (const keyword of ['properties', 'patternProperties', 'definitions']) {
    const children = node[keyword];
    if (isObject(children)) for (const child of Object.values(children).filter(isObject)) prepareSchema(child, close);
  }
  for (const keyword of ['items', 'additionalProperties', 'not', 'anyOf', 'oneOf', 'allOf']) {
    const child = node[keyword];
    if (Array.isArray(child)) for (const item of child.filter(isObject)) prepareSchema(item, close);
    else if (isObject(child)) prepareSchema(child, close);
  }
  return node;
}

/** Every custom resource may carry `apiVersion`, `kind` and `metadata`, even when its schema omits them. */
function withObjectBasics(schema: Json): Json {
  if (!isObject(schema.properties)) return schema;
  schema.properties = {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    ...schema.properties,
  };
  return schema;
}

/**
 * Compiles Go RE2 patterns as JavaScript: inline flag groups `(?i)` and `(?i:...)` become flags of the
 * whole expression (RE2's `U` has no JavaScript equivalent and is dropped). Applying a flag to the
 * whole pattern can only accept more values, never reject a value RE2 accepts.
 */
const re2Compatible: RegExpEngine = Object.assign(
  (pattern: string, flags: string): RegExp => {
    const found = new Set(flags);
    const source = pattern
      .replace(/\(\?([imsU]+)\)/g, (_group, inline: string) => {
        for (const flag of inline) found.add(flag);
        return '';
      })
      .replace(/\(\?([imsU]+):/g, (_group, inline: string) => {
        for (const flag of inline) found.add(flag);
        return '(?:';
      });
    found.delete('U');
    return new RegExp(source, [...found].join(''));
  },
  { code: 'bucketbridge.re2Compatible' },
);

function toProblems(
  object: string,
  base: string,
  errors: ErrorObject[] | null | undefined,
  prefix = '',
): ManifestProblem[] {
  return (errors ?? []).map((error) => ({
    object,
    path: `${base}${error.instancePath}`,
    message: `${prefix}${error.message ?? error.keyword}${detail(error)}`,
  }));
}

function detail(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') return `: '${String(params.additionalProperty)}'`;
  if (error.keyword === 'enum') return `: ${JSON.stringify(params.allowedValues)}`;
  return '';
}

function describe(object: Json): string {
  const metadata = isObject(object.metadata) ? object.metadata : {};
  const name = [metadata.namespace, metadata.name].filter((part) => typeof part === 'string').join('/');
  return `${String(object.apiVersion)} ${String(object.kind)} ${name || '(unnamed)'}`;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
