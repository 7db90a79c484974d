export * from './envelope';
export * from './registry';
export * from './streams';
export * from './asyncapi/asyncapi';
export * from './catalogue';
export * from './events/location.events';
export * from './events/call.events';
