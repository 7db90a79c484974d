import type { EventEnvelope, RecordedEvent } from '@ringback/contracts';
import type {
  AppendResult,
  Bus,
  ConsumeOptions,
  EventStore,
  ExpectedRevision,
  ReadAllOptions,
  StoreSubscription,
  SubscriptionOptions,
} from '@ringback/platform-core';
import type { PhiCodec } from './phi-codec';

const decryptRecorded = async (codec: PhiCodec, r: RecordedEvent): Promise<RecordedEvent> => {
  const envelope = await codec.decrypt(r.envelope);
  return envelope === r.envelope ? r : { ...r, envelope };
};

/**
 * The event store with PHI encrypted at rest: events are encrypted on append and decrypted on every
 * read and subscription, so deciders, projections and the relay see plaintext (or the redaction
 * marker of a shredded field) and the adapter underneath only ever holds ciphertext.
 */
export class PhiEncryptingEventStore implements EventStore {
  constructor(
    readonly inner: EventStore,
    private readonly codec: PhiCodec,
  ) {}

  async appendToStream(
    streamId: string,
    events: readonly EventEnvelope[],
    options: { expectedRevision: ExpectedRevision },
  ): Promise<AppendResult> {
    const sealed: EventEnvelope[] = [];
    for (const e of events) sealed.push(await this.codec.encrypt(e));
    return this.inner.appendToStream(streamId, sealed, options);
  }

  async readStream(
    streamId: string,
    options?: { fromRevision?: number; maxCount?: number },
  ): Promise<RecordedEvent[]> {
    const out: RecordedEvent[] = [];
    for (const r of await this.inner.readStream(streamId, options))
      out.push(await decryptRecorded(this.codec, r));
    return out;
  }

  async readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    const out: RecordedEvent[] = [];
    for (const r of await this.inner.readAll(options)) out.push(await decryptRecorded(this.codec, r));
    return out;
  }

  headPosition(): Promise<bigint> {
    return this.inner.headPosition();
  }

  subscribe(options: SubscriptionOptions): StoreSubscription {
    const types = options.reads?.types ? new Set(options.reads.types) : undefined;
    const phiTypes = options.reads?.phiTypes ? new Set(options.reads.phiTypes) : undefined;
    return this.inner.subscribe({
      ...options,
      handler: async (event) => {
        const type = event.envelope.type;
        // Events the subscriber skips, and PHI it never reads, are not decrypted (a replay decrypts
        // every event once per subscriber otherwise).
        if (types && !types.has(type)) return options.handler(event);
        if (phiTypes && !phiTypes.has(type)) {
          const envelope = this.codec.redact(event.envelope);
          return options.handler(envelope === event.envelope ? event : { ...event, envelope });
        }
        return options.handler(await decryptRecorded(this.codec, event));
      },
    });
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/**
 * The bus with PHI encrypted in transit and in the broker's log: envelopes are encrypted on publish
 * (the relay hands over what the store decrypted) and decrypted before a consumer's handler runs. A
 * message that keeps failing reaches the dead-letter topic as it was on the wire, encrypted.
 */
export class PhiEncryptingBus implements Bus {
  constructor(
    readonly inner: Bus,
    private readonly codec: PhiCodec,
  ) {}

  async publish(
    topic: string,
    key: string,
    envelope: EventEnvelope,
    headers?: Record<string, string>,
  ): Promise<void> {
    await this.inner.publish(topic, key, await this.codec.encrypt(envelope), headers);
  }

  sync(): Promise<void> {
    return this.inner.sync();
  }

  consume(options: ConsumeOptions): ReturnType<Bus['consume']> {
    return this.inner.consume({
      ...options,
      handler: async (message) =>
        options.handler({ ...message, envelope: await this.codec.decrypt(message.envelope) }),
    });
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
