import { it } from 'node:test';
import assert from 'node:assert/strict';
import { twilioSignature, verifyTwilioSignature } from './twilio-signature';

// The worked example from Twilio's webhook security documentation.
const authToken = '12345';
const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const params = {
  CallSid: 'CA1234567890ABCDE',
  Caller: '+12349013030',
  Digits: '1234',
  From: '+12349013030',
  To: '+18005551212',
};

it("matches Twilio's documented example signature", () => {
  assert.equal(twilioSignature(authToken, url, params), '0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
});

it('verifies only the exact URL and parameters', () => {
  const sig = twilioSignature(authToken, url, params);
  assert.equal(verifyTwilioSignature({ authToken, url, params, signatureHeader: sig }), true);
  assert.equal(
    verifyTwilioSignature({ authToken, url, params: { ...params, Digits: '4321' }, signatureHeader: sig }),
    false,
  );
  assert.equal(verifyTwilioSignature({ authToken, url: url + '&x=1', params, signatureHeader: sig }), false);
  assert.equal(verifyTwilioSignature({ authToken, url, params, signatureHeader: undefined }), false);
});
