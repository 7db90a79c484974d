export * from './phi-key-store.port';
export * from './sqlite-phi-key-store';
export * from './phi-codec';
export * from './phi-event-store';
