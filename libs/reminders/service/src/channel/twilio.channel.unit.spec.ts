import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelRejectedError } from './message-channel.port';
import { TwilioMessageChannel } from './twilio.channel';

const SID = `AC${'0'.repeat(32)}`;

function channelWith(answer: { status: number; body: unknown }) {
  const requests: { url: string; init: RequestInit }[] = [];
  const fetchStub = (async (url: string | URL, init?: RequestInit) => {
    requests.push({ url: String(url), init: init ?? {} });
    return new Response(JSON.stringify(answer.body), {
      status: answer.status,
      headers: { 'content-type': 'application/json' },
    });
  }) as typeof fetch;
  const channel = new TwilioMessageChannel({
    accountSid: SID,
    authToken: 'token',
    fromNumber: '+13035550000',
    apiBaseUrl: 'https://api.twilio.test',
    publicBaseUrl: 'https://ringback.example',
    fetch: fetchStub,
  });
  return { channel, requests };
}

describe('Twilio channel (request mapping)', () => {
  it('sends an SMS through the Messages resource with basic auth and a status callback naming the message', async () => {
    const { channel, requests } = channelWith({ status: 201, body: { sid: 'SM123' } });
    const out = await channel.send({
      messageId: 'm-1',
      channel: 'sms',
      to: '+13035550101',
      body: 'Hola',
      language: 'es',
    });
    assert.deepEqual(out, { providerMessageId: 'SM123' });
    const [req] = requests;
    assert.equal(req!.url, `https://api.twilio.test/2010-04-01/Accounts/${SID}/Messages.json`);
    assert.equal(
      (req!.init.headers as Record<string, string>)['authorization'],
      `Basic ${Buffer.from(`${SID}:token`).toString('base64')}`,
    );
    const form = new URLSearchParams(String(req!.init.body));
    assert.deepEqual(Object.fromEntries(form), {
      To: '+13035550101',
      From: '+13035550000',
      StatusCallback: 'https://ringback.example/api/v1/messages/twilio/status?messageId=m-1',
      Body: 'Hola',
    });
  });

  it('reads a voice message out in the patient’s language through the Calls resource', async () => {
    const { channel, requests } = channelWith({ status: 201, body: { sid: 'CA9' } });
    await channel.send({
      messageId: 'm-2',
      channel: 'voice',
      to: '+13035550101',
      body: 'Su cita <mañana>',
      language: 'es',
    });
    assert.match(requests[0]!.url, /Calls\.json$/);
    assert.equal(
      new URLSearchParams(String(requests[0]!.init.body)).get('Twiml'),
      '<Response><Say language="es-US">Su cita &lt;mañana&gt;</Say></Response>',
    );
  });

  it('a 4xx is a refusal (never retried), a 5xx a transport failure; email is not a Twilio channel', async () => {
    await assert.rejects(
      channelWith({ status: 400, body: { code: 21211, message: 'invalid To' } }).channel.send({
        messageId: 'm',
        channel: 'sms',
        to: '+1',
        body: 'x',
        language: 'en',
      }),
      (e: unknown) => e instanceof ChannelRejectedError && /21211/.test(e.message),
    );
    await assert.rejects(
      channelWith({ status: 503, body: {} }).channel.send({
        messageId: 'm',
        channel: 'sms',
        to: '+1',
        body: 'x',
        language: 'en',
      }),
      (e: unknown) => !(e instanceof ChannelRejectedError),
    );
    await assert.rejects(
      channelWith({ status: 201, body: { sid: 'x' } }).channel.send({
        messageId: 'm',
        channel: 'email',
        to: 'a@b.c',
        body: 'x',
        language: 'en',
      }),
      ChannelRejectedError,
    );
  });
});
