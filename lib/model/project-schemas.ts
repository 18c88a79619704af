import { COSMOS_SCHEMA } from './cosmos-schema';
import { S3X_SCHEMA } from './s3x-schema';

/**
 * A schema of bucketbridge's own for an apiVersion/kind whose upstream CRD validates too little. An
 * object of that kind must match its upstream schema and this one.
 */
export interface ProjectSchema {
  readonly apiVersion: string;
  readonly kind: string;
  /** Names the schema in problem messages. */
  readonly name: string;
  readonly schema: object;
}

export const PROJECT_SCHEMAS: readonly ProjectSchema[] = [
  { apiVersion: 'zenko.io/v1alpha1', kind: 'Cosmos', name: 'bucketbridge Cosmos schema', schema: COSMOS_SCHEMA },
  { apiVersion: 'edgefs.rook.io/v1', kind: 'S3X', name: 'bucketbridge S3X schema', schema: S3X_SCHEMA },
];
