export * from './errors';
export * from './location';
export * from './remote-config';
export * from './key-order';
export * from './key-filter';
export * from './change-detection';
export * from './merge';
export * from './header-value';
