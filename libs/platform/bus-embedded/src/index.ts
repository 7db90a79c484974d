export * from './embedded-bus';
export { EmbeddedBusConsumer, EMBEDDED_MESSAGING_SYSTEM } from './embedded-bus-consumer';
export { partitionForKey } from './key-partitioner';
