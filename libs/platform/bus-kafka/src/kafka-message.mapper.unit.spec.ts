import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IHeaders, KafkaMessage } from 'kafkajs';
import { thingHappened } from '@ringback/testing';
import { decodeRecord, headersFromKafka, partitionLag } from './kafka-message.mapper';

const record = (value: string | null, headers: IHeaders = {}): KafkaMessage => ({
  key: Buffer.from('thing-1'),
  value: value === null ? null : Buffer.from(value),
  headers,
  timestamp: '0',
  attributes: 0,
  offset: '42',
});

describe('headersFromKafka', () => {
  it('decodes Buffer values as UTF-8, keeps strings, takes the last of repeated headers', () => {
    assert.deepEqual(
      headersFromKafka({
        a: Buffer.from('ä'),
        b: 'plain',
        c: [Buffer.from('first'), Buffer.from('last')],
        d: undefined,
      }),
      { a: 'ä', b: 'plain', c: 'last' },
    );
    assert.deepEqual(headersFromKafka(undefined), {});
  });
});

describe('decodeRecord', () => {
  it('maps a record to a bus message', () => {
    const envelope = thingHappened('thing-1', 3);
    const decoded = decodeRecord(
      'ringback.thing.events',
      2,
      record(JSON.stringify(envelope), { 'event-id': Buffer.from(envelope.eventId) }),
    );
    assert.deepEqual(decoded, {
      ok: true,
      message: {
        topic: 'ringback.thing.events',
        key: 'thing-1',
        envelope,
        headers: { 'event-id': envelope.eventId },
        partition: 2,
        offset: '42',
      },
    });
  });

  it('reports records that carry no envelope instead of throwing', () => {
    for (const value of ['{"not":"an envelope"}', 'not json', null]) {
      const decoded = decodeRecord('t', 0, record(value, { h: 'v' }));
      assert.equal(decoded.ok, false);
      if (!decoded.ok) {
        assert.match(decoded.error, /^undecodable message: /);
        assert.equal(decoded.key, 'thing-1');
        assert.deepEqual(decoded.headers, { h: 'v' });
      }
    }
  });
});

describe('partitionLag', () => {
  it('is the distance from the committed offset to the high watermark', () => {
    assert.equal(partitionLag({ partition: 0, low: 0, high: 10, committed: 4 }), 6);
    assert.equal(partitionLag({ partition: 0, low: 0, high: 10, committed: 10 }), 0);
  });

  it('counts every retained message when the group never committed', () => {
    assert.equal(partitionLag({ partition: 0, low: 3, high: 10, committed: -1 }), 7);
    assert.equal(partitionLag({ partition: 0, low: 0, high: 0, committed: -1 }), 0);
  });

  it('owes nothing on a never-committed partition when the group starts at the end', () => {
    assert.equal(partitionLag({ partition: 0, low: 3, high: 10, committed: -1 }, false), 0);
    assert.equal(partitionLag({ partition: 0, low: 3, high: 10, committed: 8 }, false), 2);
  });
});
