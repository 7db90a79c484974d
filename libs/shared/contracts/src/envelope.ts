import { z } from 'zod';

const isoUtc = z.iso.datetime({ offset: false });

/**
 * Metadata every event carries, whatever its type. Event time (`occurredAt`) is when it happened in
 * the world; `recordedAt` is when Ringback wrote it down. They differ for late webhooks and replays.
 */
export const envelopeMetaSchema = z.object({
  eventId: z.uuid({ version: 'v7' }),
  type: z.string().regex(/^[A-Z][A-Za-z]+$/, 'PascalCase past-tense event type'),
  schemaVersion: z.number().int().positive(),
  streamId: z
    .string()
    .min(3)
    .regex(/^[a-z][a-z0-9_]*-.+$/, 'stream ids are <category>-<id>'),
  occurredAt: isoUtc,
  recordedAt: isoUtc,
  correlationId: z.string().min(1),
  causationId: z.string().min(1).nullable(),
  locationId: z.string().min(1).nullable(),
  traceparent: z
    .string()
    .regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/)
    .nullable(),
});

export type EnvelopeMeta = z.infer<typeof envelopeMetaSchema>;

/** An immutable fact with its metadata. `data` is validated against the registered schema. */
export interface EventEnvelope<TType extends string = string, TData = unknown> extends EnvelopeMeta {
  type: TType;
  data: TData;
}

export const envelopeSchema = envelopeMetaSchema.extend({ data: z.unknown() });

/** An event as the store hands it back: the envelope plus where it sits. */
export interface RecordedEvent<E extends EventEnvelope = EventEnvelope> {
  envelope: E;
  /** 0-based position of the event inside its stream. */
  streamRevision: number;
  /** Position in the store's global order ($all); strictly increasing, gaps allowed. */
  position: bigint;
}
