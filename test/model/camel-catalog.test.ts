import { describe, expect, it } from 'vitest';
import { CamelFlowValidator, formatCamelFlowProblem } from '../../lib/model';

const validator = CamelFlowValidator.forDirectory();

function problems(flows: unknown): string[] {
  return validator.validate(flows).map(formatCamelFlowProblem);
}

const route = (steps: unknown[], from: object = { uri: 'direct:in' }) => [{ route: { id: 'r', from: { ...from, steps } } }];

describe('CamelFlowValidator', () => {
  it('accepts a route of known EIPs and endpoint options, in the query and in parameters', () => {
    expect(
      problems(
        route(
          [
            { split: { jsonpath: { expression: '$.Records[*]', writeAsString: true }, steps: [{ to: 'direct:each' }] } },
            { to: { uri: 'aws2-s3:bucket?operation=getObject', parameters: { region: 'us-east-1', forcePathStyle: 'true' } } },
          ],
          { uri: 'kafka:topic', parameters: { brokers: 'kafka:9092', groupId: 'g', 'additionalProperties.max.poll.records': '10' } },
        ),
      ),
    ).toEqual([]);
  });

  it('rejects a misspelt EIP through the YAML DSL schema', () => {
    expect(problems(route([{ setHeadr: { name: 'a', constant: 'b' } }])).join('\n')).toContain("must NOT have additional properties: 'setHeadr'");
  });

  it('rejects an unknown component, an unknown option and an enum value the component lacks', () => {
    expect(problems(route([{ to: 'aws3-s3:bucket' }]))).toEqual(['/0/route/from/steps/0/to unknown Camel component "aws3-s3"']);
    expect(problems(route([{ to: { uri: 'aws2-s3:b', parameters: { autoCreateBuckets: 'false' } } }]))).toEqual([
      '/0/route/from/steps/0/to/parameters/autoCreateBuckets aws2-s3: unknown option "autoCreateBuckets"',
    ]);
    // The runbook's `operation: putObject`: an upload is aws2-s3's default, not an operation.
    expect(problems(route([{ to: { uri: 'aws2-s3:b', parameters: { operation: 'putObject' } } }]))[0]).toContain(
      'aws2-s3: option "operation" must be one of ["copyObject","listObjects","deleteObject"',
    );
    // A String option's list of known values is no constraint: RGW accepts any region name.
    expect(problems(route([{ to: { uri: 'aws2-s3:b', parameters: { region: 'zonegroup-a' } } }]))).toEqual([]);
    expect(problems(route([{ to: 'aws2-sqs:q?deleteAfterRead=yes' }]))).toEqual([
      '/0/route/from/steps/0/to (query) aws2-sqs: option "deleteAfterRead" must be true or false, got "yes"',
    ]);
  });

  it('checks the dead-letter URI and the path a component requires, and leaves placeholders to runtime', () => {
    const flows = [{ route: { from: { uri: 'direct:in', steps: [] }, errorHandler: { deadLetterChannel: { deadLetterUri: 'kafka:?brokers=k:9092' } } } }];
    expect(problems(flows)).toEqual(['/0/route/errorHandler/deadLetterChannel/deadLetterUri kafka: URI "kafka:?brokers=k:9092" lacks the path (topic); syntax kafka:topic']);
    expect(problems(route([{ to: { uri: 'aws2-s3:b', parameters: { accessKey: '{{secret:s/k}}', autoCreateBucket: '{{create}}' } } }]))).toEqual([]);
  });
});
