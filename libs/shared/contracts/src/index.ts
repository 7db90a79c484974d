export * from './envelope';
export * from './registry';
export * from './streams';
export * from './asyncapi/asyncapi';
export * from './catalogue';
