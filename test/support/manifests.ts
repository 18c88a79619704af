import { Chart, Testing } from 'cdk8s';
import { CamelFlowValidator, ManifestValidator, formatCamelFlowProblem, formatManifestProblem } from '../../lib/model';

/** A synthesized Kubernetes object, loosely typed for assertions. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly annotations?: Record<string, string>;
  };
  readonly spec?: Record<string, unknown>;
  readonly [key: string]: unknown;
}

/**
 * Synthesizes a chart and fails unless every object validates against its upstream schema and every
 * Camel K Integration's flows against Camel's YAML DSL schema and component catalog.
 */
export function synthAndValidate(chart: Chart): KubeObject[] {
  const objects = Testing.synth(chart) as KubeObject[];
  const problems = ManifestValidator.forDirectory().validateAll(objects).map(formatManifestProblem);
  for (const object of objects.filter((o) => o.apiVersion === 'camel.apache.org/v1' && o.kind === 'Integration')) {
    const flows = CamelFlowValidator.forDirectory().validate(object.spec?.flows);
    problems.push(...flows.map((problem) => `Integration ${object.metadata.name}: flows${formatCamelFlowProblem(problem)}`));
  }
  if (problems.length > 0) {
    throw new Error(`objects break their upstream schemas:\n${problems.join('\n')}`);
  }
  return objects;
}

/** Every object of a kind, in manifest order. */
export function findAllByKind(objects: readonly KubeObject[], kind: string): KubeObject[] {
  return objects.filter((object) => object.kind === kind);
}

/** The one object of a kind (and name, when given); fails when there is none or more than one. */
export function findByKind(objects: readonly KubeObject[], kind: string, name?: string): KubeObject {
  const found = findAllByKind(objects, kind).filter((object) => name === undefined || object.metadata.name === name);
  if (found.length !== 1) {
    const listed = objects.map((object) => `${object.kind}/${object.metadata.name}`).join(', ');
    throw new Error(`expected one ${kind}${name ? ` named ${name}` : ''}, found ${found.length} among: ${listed}`);
  }
  return found[0] as KubeObject;
}

/** The value at a dotted path inside an object, e.g. `spec.gateway.port` or `spec.rules.0.host`. */
export function field(object: KubeObject, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((value, key) => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined), object);
}
