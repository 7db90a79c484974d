import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EmbeddedOutboxChannel } from './embedded-outbox.channel';

describe('embedded outbox channel (node:sqlite file)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ringback-outbox-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('stores a message once however often it is sent, and keeps it across a reopen', async () => {
    const first = new EmbeddedOutboxChannel(dir, () => Date.parse('2026-12-01T10:00:00Z'));
    const m = { messageId: 'm-1', channel: 'sms' as const, to: '+13035550101', body: 'Hola', language: 'es' };
    assert.deepEqual(await first.send(m), { providerMessageId: 'outbox-m-1' });
    await first.send({ ...m, body: 'changed' });
    first.close();
    const reopened = new EmbeddedOutboxChannel(dir, () => Date.parse('2026-12-01T11:00:00Z'));
    await reopened.send(m);
    assert.deepEqual(reopened.rows(), [
      {
        messageId: 'm-1',
        channel: 'sms',
        to: '+13035550101',
        body: 'Hola',
        language: 'es',
        storedAt: '2026-12-01T10:00:00.000Z',
      },
    ]);
    reopened.close();
  });
});
