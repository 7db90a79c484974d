import type { EventEnvelope, EventRegistry } from '@ringback/contracts';
import type { Bus, BusConsumer } from '../ports/bus.port';

/**
 * The lifecycle shared by the services' bus consumers: one consumer group on fixed topics, started
 * once, stopped gracefully, and a `handle(raw)` that skips event types the registry does not know
 * (a newer producer's events) and upcasts the rest before `handleEvent`.
 *
 * Subclasses name their group and topics, optionally narrow the event types they accept, and hold
 * everything else (store, clock, logger) themselves.
 */
export abstract class EventConsumer {
  /** Stable consumer group: its committed offsets survive restarts. */
  protected abstract readonly groupId: string;
  protected abstract readonly topics: string[];
  /** Names the consumer in errors, e.g. `sla task-events`. */
  protected abstract readonly consumerName: string;
  /** The event types handled; others are skipped before upcasting. Absent: every registered type. */
  protected readonly eventTypes: readonly string[] | undefined = undefined;

  private consumer: BusConsumer | undefined;

  protected constructor(
    protected readonly bus: Bus,
    protected readonly registry: EventRegistry,
  ) {}

  /** Handles one upcast event of an accepted, registered type. */
  protected abstract handleEvent(event: EventEnvelope): Promise<void>;

  async start(): Promise<void> {
    if (this.consumer) return;
    this.consumer = await this.bus.consume({
      groupId: this.groupId,
      topics: this.topics,
      handler: (message) => this.handle(message.envelope),
    });
  }

  /** Resolves once every event published to the topics before the call has been handled. */
  async whenCaughtUp(): Promise<void> {
    if (!this.consumer) throw new Error(`${this.consumerName} consumer is not running`);
    await this.consumer.whenCaughtUp();
  }

  async lag(): Promise<number> {
    return this.consumer ? this.consumer.lag() : 0;
  }

  async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    if (consumer) await consumer.stop();
  }

  /** Handles one event (what the bus delivers); exposed for tests and replays. */
  async handle(raw: EventEnvelope): Promise<void> {
    if (this.eventTypes && !this.eventTypes.includes(raw.type)) return;
    if (!this.registry.has(raw.type)) return;
    await this.handleEvent(this.registry.upcast(raw));
  }
}
