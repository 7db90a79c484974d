import { EventRegistry, type EventDefinition } from './registry';

/**
 * Every event type Ringback publishes. Each service's contract module adds its definitions here as
 * it lands; the AsyncAPI document (asyncapi.yaml) is generated from this list.
 */
export const eventDefinitions: readonly EventDefinition[] = [];

export const ringbackEventRegistry = (): EventRegistry => {
  const registry = new EventRegistry();
  for (const def of eventDefinitions) registry.register(def);
  return registry;
};
