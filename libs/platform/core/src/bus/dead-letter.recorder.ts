import { Counter, type Registry } from 'prom-client';

export const DEAD_LETTERED_METRIC = 'ringback_bus_dead_lettered_total';

/** What a bus adapter logs to (a pino logger fits). */
export interface BusLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

/** One message handed to a dead-letter topic. */
export interface DeadLetteredMessage {
  groupId: string;
  topic: string;
  partition: number;
  offset: string;
  eventId: string | null;
  eventType: string | null;
  attempts: number;
  error: string;
}

/**
 * Makes a dead letter visible: `ringback_bus_dead_lettered_total{group,topic}` goes up and a warning
 * names the event (id and type, never its data), the attempts and the error, so an operator can
 * find it in the `.dlq` topic. Both bus adapters report through one of these.
 */
export class DeadLetterRecorder {
  private readonly counter: Counter<'group' | 'topic'> | undefined;

  constructor(options: { registry?: Registry | undefined; logger?: BusLogger | undefined } = {}) {
    this.logger = options.logger;
    const registry = options.registry;
    if (!registry) return;
    const existing = registry.getSingleMetric(DEAD_LETTERED_METRIC);
    this.counter =
      (existing as Counter<'group' | 'topic'> | undefined) ??
      new Counter({
        name: DEAD_LETTERED_METRIC,
        help: 'Messages a consumer group gave up on and moved to the dead-letter topic, per source topic',
        labelNames: ['group', 'topic'],
        registers: [registry],
      });
  }

  private readonly logger: BusLogger | undefined;

  record(letter: DeadLetteredMessage): void {
    this.counter?.inc({ group: letter.groupId, topic: letter.topic });
    this.logger?.warn(
      {
        group: letter.groupId,
        topic: letter.topic,
        partition: letter.partition,
        offset: letter.offset,
        eventId: letter.eventId,
        eventType: letter.eventType,
        attempts: letter.attempts,
        error: letter.error,
      },
      'message dead-lettered',
    );
  }
}
