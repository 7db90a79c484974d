import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DomainError, deciderSpec, foldEvents } from '@ringback/kernel';
import {
  outboundMessageDecider,
  type OutboundMessageCommand,
  type OutboundMessageEvent,
} from './outbound-message.decider';

const spec = deciderSpec(outboundMessageDecider);
const messageId = 'm-1';
const queued: OutboundMessageEvent = {
  type: 'MessageQueued',
  data: {
    messageId,
    purpose: { kind: 'appointment', appointmentId: 'a-1', bookingId: 'b-1' },
    kind: 'reminder_24h',
    locationId: 'aurora',
    channel: 'sms',
    to: '+13035550101',
    language: 'en',
    templateId: 'reminder_24h.en',
    body: 'Reminder',
    sendAt: '2026-12-01T16:00:00.000Z',
    queuedAt: '2026-11-30T17:00:00.000Z',
  },
};
const at = '2026-12-01T16:00:05.000Z';
const start: OutboundMessageCommand = { type: 'StartDispatch', data: { messageId, at, provider: 'outbox' } };
const sent: OutboundMessageCommand = {
  type: 'RecordSent',
  data: { messageId, at, provider: 'outbox', providerMessageId: 'OB-1' },
};
const code = (o: { error?: unknown }) => (o.error instanceof DomainError ? o.error.code : String(o.error));

describe('outbound message', () => {
  it('is queued once: a redelivered cause queues nothing', () => {
    const { queuedAt: _q, ...data } = queued.data;
    spec
      .given([queued])
      .when({ type: 'QueueMessage', data: { ...data, at } })
      .then((o) => assert.deepEqual(o.events, []));
  });

  it('is dispatched once, not before its time; a second dispatch is refused', () => {
    spec
      .given([queued])
      .when({ ...start, data: { ...start.data, at: '2026-12-01T15:59:00.000Z' } })
      .then((o) => assert.equal(code(o), 'message_not_due'));
    const started = outboundMessageDecider.decide(start, foldEvents(outboundMessageDecider, [queued]));
    spec
      .given([queued, ...started])
      .when(start)
      .then((o) => assert.equal(code(o), 'message_already_dispatched'));
    const done = outboundMessageDecider.decide(
      sent,
      foldEvents(outboundMessageDecider, [queued, ...started]),
    );
    spec
      .given([queued, ...started, ...done])
      .when(start)
      .then((o) => assert.equal(code(o), 'message_already_dispatched'));
    spec
      .given([queued, ...started, ...done])
      .when(sent)
      .then((o) => assert.deepEqual(o.events, []));
  });

  it('a suppressed message is never dispatched; a status callback for a half-way dispatch marks it sent', () => {
    const suppressed = outboundMessageDecider.decide(
      { type: 'SuppressMessage', data: { messageId, at, reason: 'opted_out' } },
      foldEvents(outboundMessageDecider, [queued]),
    );
    spec
      .given([queued, ...suppressed])
      .when(start)
      .then((o) => assert.equal(code(o), 'message_already_dispatched'));
    const started = outboundMessageDecider.decide(start, foldEvents(outboundMessageDecider, [queued]));
    const state = foldEvents(outboundMessageDecider, [
      queued,
      ...started,
      {
        type: 'MessageDeliveryUpdated',
        data: { messageId, status: 'delivered', providerMessageId: 'SM1', updatedAt: at },
      },
    ]);
    assert.equal(state.status, 'sent');
  });

  it('under any interleaving of senders on one stream, at most one dispatch and one send (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ sender: fc.integer({ min: 0, max: 3 }), read: fc.boolean() }), {
          maxLength: 30,
        }),
        (steps) => {
          const history: OutboundMessageEvent[] = [queued];
          const seen = new Map<number, number>();
          for (const s of steps) {
            const revision = seen.get(s.sender) ?? 1;
            if (s.read) {
              seen.set(s.sender, history.length);
              continue;
            }
            const state = foldEvents(outboundMessageDecider, history.slice(0, revision));
            let events: OutboundMessageEvent[] = [];
            try {
              events = outboundMessageDecider.decide(state.status === 'dispatching' ? sent : start, state);
            } catch (error) {
              if (!(error instanceof DomainError)) throw error;
            }
            if (events.length > 0 && revision === history.length) history.push(...events);
            seen.set(s.sender, history.length);
          }
          assert.ok(history.filter((e) => e.type === 'MessageDispatchStarted').length <= 1);
          assert.ok(history.filter((e) => e.type === 'MessageSent').length <= 1);
        },
      ),
    );
  });
});
