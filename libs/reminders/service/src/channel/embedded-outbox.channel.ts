import type { DatabaseSync } from 'node:sqlite';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { openSqliteDatabase } from '@ringback/event-store-sqlite';
import type { MessageChannel, OutgoingMessage } from './message-channel.port';

export interface OutboxRow {
  messageId: string;
  channel: string;
  to: string;
  body: string;
  language: string;
  storedAt: string;
}

/**
 * The embedded channel: messages are stored, not sent, in `<DATA_DIR>/outbox.sqlite` (durable, keyed
 * by message id, so storing one twice stores it once) and shown in the web UI's outbox. What a
 * patient would have received, for demos and for clinics that are not connected to an SMS provider.
 */
export class EmbeddedOutboxChannel implements MessageChannel {
  readonly provider = 'outbox' as const;
  readonly idempotent = true;
  private readonly db: DatabaseSync;

  constructor(
    dataDir: string,
    private readonly now: () => number,
  ) {
    mkdirSync(dataDir, { recursive: true });
    this.db = openSqliteDatabase(path.join(dataDir, 'outbox.sqlite'));
    this.db.exec(`CREATE TABLE IF NOT EXISTS outbox (
      message_id TEXT PRIMARY KEY,
      channel TEXT NOT NULL,
      recipient TEXT NOT NULL,
      body TEXT NOT NULL,
      language TEXT NOT NULL,
      stored_at TEXT NOT NULL
    )`);
  }

  async send(m: OutgoingMessage): Promise<{ providerMessageId: string }> {
    this.db
      .prepare(
        'INSERT OR IGNORE INTO outbox (message_id, channel, recipient, body, language, stored_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(m.messageId, m.channel, m.to, m.body, m.language, new Date(this.now()).toISOString());
    return { providerMessageId: `outbox-${m.messageId}` };
  }

  /** Everything stored, oldest first (tests and the outbox's own checks). */
  rows(): OutboxRow[] {
    return this.db
      .prepare(
        'SELECT message_id, channel, recipient, body, language, stored_at FROM outbox ORDER BY stored_at, message_id',
      )
      .all()
      .map((r) => ({
        messageId: String(r['message_id']),
        channel: String(r['channel']),
        to: String(r['recipient']),
        body: String(r['body']),
        language: String(r['language']),
        storedAt: String(r['stored_at']),
      }));
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}
