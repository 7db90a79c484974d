import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deciderSpec } from '@ringback/kernel';
import { classifyReply, contactPreferenceDecider } from './reply-intent';

describe('reply intent', () => {
  it('reads digits and words in English and Spanish for an appointment', () => {
    for (const [body, intent] of [
      ['1', 'confirm'],
      ['Yes!', 'confirm'],
      ['sí, ahí estaré', 'confirm'],
      ['2', 'cancel'],
      ['cancelar', 'cancel'],
      ['3', 'reschedule'],
      ['Cambiar por favor', 'reschedule'],
      ['what time again?', 'unknown'],
    ] as const)
      assert.equal(classifyReply(body, 'appointment', false), intent, body);
  });

  it('answers a waitlist offer with yes or no', () => {
    assert.equal(classifyReply('YES', 'waitlist_offer', false), 'accept_offer');
    assert.equal(classifyReply('no thanks', 'waitlist_offer', false), 'decline_offer');
    assert.equal(classifyReply('2', 'waitlist_offer', false), 'decline_offer');
  });

  it('carrier keywords always opt out (CANCEL too), START opts in, HELP helps, whatever the context', () => {
    for (const ctx of ['appointment', 'waitlist_offer', null] as const) {
      assert.equal(classifyReply('STOP', ctx, false), 'stop');
      assert.equal(classifyReply('cancel', ctx, false), 'stop');
      assert.equal(classifyReply('Alto', ctx, false), 'stop');
      assert.equal(classifyReply('START', ctx, true), 'start');
      assert.equal(classifyReply('help', ctx, false), 'help');
      assert.equal(classifyReply('ayuda', ctx, false), 'help');
    }
    assert.equal(classifyReply('YES', 'appointment', true), 'start');
    assert.equal(classifyReply('1', null, false), 'unknown');
  });
});

describe('contact preference', () => {
  const spec = deciderSpec(contactPreferenceDecider);
  it('opts out once and back in once', () => {
    const out = {
      type: 'OptOut' as const,
      data: { phoneKey: 'k', keyword: 'STOP', at: '2026-12-01T10:00:00.000Z' },
    };
    const optedOut = contactPreferenceDecider.decide(out, { optedOut: false });
    spec
      .given(optedOut)
      .when(out)
      .then((o) => assert.deepEqual(o.events, []));
    spec
      .given(optedOut)
      .when({ type: 'OptIn', data: { ...out.data, keyword: 'START' } })
      .then((o) =>
        assert.deepEqual(
          o.events?.map((e) => e.type),
          ['ContactOptedIn'],
        ),
      );
    spec
      .given([])
      .when({ type: 'OptIn', data: { ...out.data, keyword: 'START' } })
      .then((o) => assert.deepEqual(o.events, []));
  });
});
