import { ChannelRejectedError, type MessageChannel, type OutgoingMessage } from './message-channel.port';

export interface TwilioChannelOptions {
  accountSid: string;
  authToken: string;
  fromNumber: string;
  /** `https://api.twilio.com` (or a test server). */
  apiBaseUrl: string;
  /** Base URL Twilio calls back (`PUBLIC_BASE_URL`). */
  publicBaseUrl: string;
  fetch?: typeof fetch;
}

const escapeXml = (s: string): string =>
  s.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!,
  );

/**
 * Twilio's REST API: SMS through the Messages resource, voice through the Calls resource with the
 * text read out (`<Say>`, in the patient's language). Each request names a status callback
 * (`/api/v1/messages/twilio/status?messageId=…`), so delivery reports find their message. Email is
 * not a Twilio channel here: such messages are refused (and recorded as failed).
 */
export class TwilioMessageChannel implements MessageChannel {
  readonly provider = 'twilio' as const;
  readonly idempotent = false;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: TwilioChannelOptions) {
    this.fetch = options.fetch ?? fetch;
  }

  async send(m: OutgoingMessage): Promise<{ providerMessageId: string }> {
    const o = this.options;
    const callback = `${o.publicBaseUrl}/api/v1/messages/twilio/status?messageId=${encodeURIComponent(m.messageId)}`;
    let resource: string;
    const form = new URLSearchParams({ To: m.to, From: o.fromNumber, StatusCallback: callback });
    if (m.channel === 'sms') {
      resource = 'Messages.json';
      form.set('Body', m.body);
    } else if (m.channel === 'voice') {
      resource = 'Calls.json';
      const lang = m.language === 'es' ? 'es-US' : 'en-US';
      form.set('Twiml', `<Response><Say language="${lang}">${escapeXml(m.body)}</Say></Response>`);
    } else {
      throw new ChannelRejectedError(`twilio does not send ${m.channel} messages`);
    }
    const res = await this.fetch(`${o.apiBaseUrl}/2010-04-01/Accounts/${o.accountSid}/${resource}`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${o.accountSid}:${o.authToken}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: form.toString(),
    });
    const payload = (await res.json().catch(() => ({}))) as { sid?: string; message?: string; code?: number };
    if (res.status >= 400 && res.status < 500)
      throw new ChannelRejectedError(
        `twilio refused the message: ${res.status} ${payload.code ?? ''} ${payload.message ?? ''}`.trim(),
      );
    if (!res.ok || !payload.sid) throw new Error(`twilio answered ${res.status}`);
    return { providerMessageId: payload.sid };
  }
}
