export * from './kafka-bus';
export { KafkaBusConsumer, type OutgoingRecord } from './kafka-bus-consumer';
export * from './kafka-message.mapper';
export * from './topic-provisioning';
