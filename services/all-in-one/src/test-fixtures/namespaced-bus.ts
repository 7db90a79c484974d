import type { Bus } from '@ringback/platform-core';

/**
 * A real bus whose topics and consumer groups carry a run-specific prefix, so a scenario on a shared,
 * long-lived broker never reads another run's messages nor resumes another run's offsets.
 */
export function namespacedBus(bus: Bus, prefix: string): Bus {
  const topic = (t: string) => `${prefix}.${t}`;
  return {
    publish: (t, key, envelope, headers) => bus.publish(topic(t), key, envelope, headers),
    consume: (options) =>
      bus.consume({ ...options, groupId: `${prefix}.${options.groupId}`, topics: options.topics.map(topic) }),
    close: () => bus.close(),
  };
}
