import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { EventRegistry, EventValidationError } from './registry';
import { generateAsyncApi } from './asyncapi/asyncapi';
import { categoryOf, topicForCategory } from './streams';

const registry = () =>
  new EventRegistry().register({
    type: 'CallbackRequested',
    category: 'call',
    summary: 'A caller asked to be called back',
    producer: 'call-ingest',
    versions: [
      {
        version: 1,
        schema: z.object({ phone: z.string() }),
        upcast: (d) => ({ ...(d as object), channel: 'ivr' }),
      },
      { version: 2, schema: z.object({ phone: z.string(), channel: z.enum(['ivr', 'web']) }) },
    ],
  });

const envelope = (over: Record<string, unknown> = {}) => ({
  eventId: '0193b2a0-1c2d-7e3f-8a4b-5c6d7e8f9a0b',
  type: 'CallbackRequested',
  schemaVersion: 1,
  streamId: 'call-abc',
  occurredAt: '2026-11-23T18:50:00.000Z',
  recordedAt: '2026-11-23T18:50:01.000Z',
  correlationId: 'c1',
  causationId: null,
  locationId: 'aurora',
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  data: { phone: '+13035550101' },
  ...over,
});

describe('EventRegistry', () => {
  it('upcasts an old version to the latest without touching the original', () => {
    const old = envelope();
    const e = registry().upcast<
      { data: { channel: string }; schemaVersion: number } & ReturnType<typeof envelope>
    >(old);
    assert.equal(e.schemaVersion, 2);
    assert.deepEqual(e.data, { phone: '+13035550101', channel: 'ivr' });
    assert.equal(old.schemaVersion, 1);
  });

  it('rejects bad envelopes and payloads with paths', () => {
    const r = registry();
    assert.throws(
      () => r.validate(envelope({ eventId: 'not-a-uuid' })),
      (e: unknown) => {
        assert.ok(e instanceof EventValidationError);
        assert.ok(e.issues.some((i) => i.path === 'eventId'));
        return true;
      },
    );
    assert.throws(
      () => r.validate(envelope({ occurredAt: '2026-11-23T11:50:00-07:00' })),
      EventValidationError,
    );
    assert.throws(() => r.validate(envelope({ schemaVersion: 3 })), /no schema version 3/);
    assert.throws(() => r.validate(envelope({ type: 'Nope' })), /unknown event type/);
    assert.throws(
      () => r.validate(envelope({ schemaVersion: 2, data: { phone: 'x', channel: 'fax' } })),
      (e: unknown) => {
        assert.ok(e instanceof EventValidationError);
        assert.deepEqual(
          e.issues.map((i) => i.path),
          ['data.channel'],
        );
        return true;
      },
    );
  });

  it('refuses version gaps and old versions without upcasters', () => {
    assert.throws(
      () =>
        new EventRegistry().register({
          type: 'X',
          category: 'x',
          summary: '',
          producer: 'p',
          versions: [
            { version: 1, schema: z.object({}) },
            { version: 2, schema: z.object({}) },
          ],
        }),
      /needs an upcaster/,
    );
    assert.throws(
      () =>
        new EventRegistry().register({
          type: 'Y',
          category: 'y',
          summary: '',
          producer: 'p',
          versions: [{ version: 2, schema: z.object({}) }],
        }),
      /without gaps/,
    );
  });
});

describe('streams', () => {
  it('derives categories and topics', () => {
    assert.equal(categoryOf('task-0193b2a0-1c2d'), 'task');
    assert.equal(topicForCategory('task'), 'ringback.task.events');
  });
});

describe('AsyncAPI generation', () => {
  it('describes every version of every event from the runtime schemas', () => {
    const doc = generateAsyncApi(registry(), { title: 'Ringback events', version: '1.0.0' }) as any;
    assert.equal(doc.asyncapi, '3.0.0');
    assert.equal(doc.channels.call.address, 'ringback.call.events');
    assert.deepEqual(Object.keys(doc.components.messages).sort(), [
      'CallbackRequestedV1',
      'CallbackRequestedV2',
    ]);
    assert.equal(doc.components.messages.CallbackRequestedV1.deprecated, true);
    assert.deepEqual(doc.components.schemas.CallbackRequestedV2Payload.properties.channel.enum, [
      'ivr',
      'web',
    ]);
    assert.ok(doc.components.schemas.EventEnvelope.required.includes('eventId'));
    // every $ref resolves inside the document
    const refs = JSON.stringify(doc).match(/"\$ref":"([^"]+)"/g) ?? [];
    for (const ref of refs) {
      const path = ref.slice(8, -1).replace(/^#\//, '').split('/');
      let node: any = doc;
      for (const p of path) node = node?.[p];
      assert.ok(node, `unresolved ${ref}`);
    }
  });
});
