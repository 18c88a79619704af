export * from './model';
export * from './k8s';
