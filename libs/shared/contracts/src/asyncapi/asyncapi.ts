import { z } from 'zod';
import { envelopeMetaSchema } from '../envelope';
import type { EventRegistry } from '../registry';
import { topicForCategory, deadLetterTopicFor } from '../streams';

export interface AsyncApiInfo {
  title: string;
  version: string;
  description?: string;
}

type Json = Record<string, unknown>;

const jsonSchema = (schema: z.ZodType): Json => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { unrepresentable: 'any' }) as Json;
  return rest;
};

/**
 * AsyncAPI 3.0 document for every registered event, generated from the same zod schemas that
 * validate events at runtime, so the document cannot drift from the code.
 * One channel per stream category (Kafka topic keyed by stream id), one message per event type and
 * schema version, the envelope as message headers plus payload.
 */
export function generateAsyncApi(registry: EventRegistry, info: AsyncApiInfo): Json {
  const channels: Json = {};
  const operations: Json = {};
  const messages: Json = {};
  const schemas: Json = { EventEnvelope: jsonSchema(envelopeMetaSchema) };

  const defs = [...registry.definitions()].sort((a, b) => a.type.localeCompare(b.type));
  const categories = [...new Set(defs.map((d) => d.category))].sort();

  for (const category of categories) {
    const inCategory = defs.filter((d) => d.category === category);
    const channelMessages: Json = {};
    for (const def of inCategory) {
      for (const v of def.versions) {
        const name = `${def.type}V${v.version}`;
        schemas[`${name}Payload`] = jsonSchema(v.schema);
        messages[name] = {
          name: def.type,
          title: `${def.type} v${v.version}`,
          summary: def.summary,
          ...(def.phi
            ? {
                description:
                  'PHI fields (`x-ringback-phi`) travel encrypted: `phi1.<keyId>.<iv>.<ciphertext>` (AES-256-GCM ' +
                  'under the patient data key); consumers decrypt through the platform codec, and a field whose ' +
                  'key was destroyed (erasure, retention) reads as `[erased]`.',
                'x-ringback-phi': def.phi.fields,
              }
            : {}),
          contentType: 'application/json',
          headers: {
            type: 'object',
            properties: {
              'event-type': { type: 'string', const: def.type },
              'schema-version': { type: 'string', const: String(v.version) },
              'event-id': { type: 'string', format: 'uuid' },
              traceparent: { type: 'string' },
            },
          },
          payload: {
            allOf: [
              { $ref: '#/components/schemas/EventEnvelope' },
              {
                type: 'object',
                properties: {
                  type: { const: def.type },
                  schemaVersion: { const: v.version },
                  data: { $ref: `#/components/schemas/${name}Payload` },
                },
                required: ['data'],
              },
            ],
          },
          ...(v.version < def.versions.length
            ? { deprecated: true, description: 'Upcast on read to the latest version.' }
            : {}),
        };
        channelMessages[name] = { $ref: `#/components/messages/${name}` };
      }
    }
    const topic = topicForCategory(category);
    channels[category] = {
      address: topic,
      description: `Every event of ${category}-* streams, keyed by stream id (per-stream order).`,
      messages: channelMessages,
      bindings: { kafka: { topic, bindingVersion: '0.5.0' } },
    };
    channels[`${category}DeadLetter`] = {
      address: deadLetterTopicFor(topic),
      description: `Messages of ${topic} that a consumer could not handle after its retries, with x-error headers.`,
      messages: channelMessages,
    };
    const producers = [...new Set(inCategory.map((d) => d.producer))].sort();
    operations[`publish${category[0]!.toUpperCase()}${category.slice(1)}`] = {
      action: 'send',
      channel: { $ref: `#/channels/${category}` },
      summary: `Published by ${producers.join(', ')}`,
      messages: Object.keys(channelMessages).map((m) => ({ $ref: `#/channels/${category}/messages/${m}` })),
    };
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: info.title,
      version: info.version,
      description:
        info.description ??
        'Ringback domain events. Delivery is at-least-once; consumers are idempotent by eventId.',
    },
    defaultContentType: 'application/json',
    servers: {
      kafka: { host: 'localhost:9092', protocol: 'kafka', description: 'Distributed mode broker' },
    },
    channels,
    operations,
    components: { schemas, messages },
  };
}
