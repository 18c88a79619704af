// cdk8s-cli validation plugin (cdk8s.yaml `validations:`): checks every synthesized object against the
// upstream CRD and Kubernetes schemas with bucketbridge's ManifestValidator, loaded through tsx; for
// kinds whose CRD validates too little (Zenko Cosmos, EdgeFS S3X) also against bucketbridge's own schemas,
// and every Camel K Integration's `spec.flows` against Camel's YAML DSL schema and component catalog
// (CamelFlowValidator).
const { register } = require('tsx/cjs/api');

const tsx = register({ namespace: 'bucketbridge-validation' });
const { ManifestValidator, formatManifestProblem } = tsx.require('../lib/model/manifest-validator.ts', __filename);
const { CamelFlowValidator, CAMEL_CATALOG_VERSION } = tsx.require('../lib/model/camel-catalog.ts', __filename);

/** Schema problems of one object, plus, for a Camel K Integration, the problems of its flows. */
function problemsOf(validator, object) {
  const problems = validator.validate(object);
  const isIntegration = object?.apiVersion === 'camel.apache.org/v1' && object?.kind === 'Integration';
  if (!isIntegration || object.spec?.flows === undefined) return problems;
  const flows = CamelFlowValidator.forDirectory(validator.directory).validate(object.spec.flows);
  return [
    ...problems,
    ...flows.map((problem) => ({
      object: `camel.apache.org/v1 Integration ${object.metadata?.name ?? '(unnamed)'}`,
      path: `/spec/flows${problem.path}`,
      message: `(Camel ${CAMEL_CATALOG_VERSION}) ${problem.message}`,
    })),
  ];
}

class ManifestSchemaValidation {
  async validate(context) {
    const validator = ManifestValidator.forDirectory();
    let failed = false;
    for (const manifestPath of context.manifests) {
      for (const object of context.parseManifest(manifestPath)) {
        const problems = problemsOf(validator, object);
        if (problems.length === 0) continue;
        failed = true;
        context.report.addViolation({
          ruleName: 'upstream-schema',
          recommendation: problems.map(formatManifestProblem).join('\n'),
          fix: 'Change the construct props so the object matches its CRD or Kubernetes schema.',
          violatingResources: [
            {
              resourceName: object?.metadata?.name ?? '(unnamed)',
              locations: problems.map((problem) => problem.path || '/'),
              manifestPath,
            },
          ],
        });
      }
    }
    context.report.submit(failed ? 'failure' : 'success', { schemas: validator.directory });
  }
}

module.exports = { ManifestSchemaValidation };
