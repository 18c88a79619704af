/** Setup file of the `gateway` test project: each test file's buckets go when the file is done. */
import { afterAll } from 'vitest';
import { removeCreatedBuckets } from './gateway';

afterAll(removeCreatedBuckets);
