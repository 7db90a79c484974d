export * from './ports/event-store.port';
export * from './ports/bus.port';
export * from './ports/read-model.port';
export * from './ports/checkpoint.port';
export * from './relay/store-to-bus-relay';
export * from './commands/command-handler';
