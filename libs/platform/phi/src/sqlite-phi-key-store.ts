import { randomBytes } from 'node:crypto';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { groupCommitOnFile, openSqliteDatabase, type SqliteGroupCommit } from '@ringback/event-store-sqlite';
import { deriveKey, openAesGcm, sealAesGcm } from './phi-crypto';
import type { PhiDataKey, PhiKeySelector, PhiKeySpec, PhiKeyStore } from './phi-key-store.port';

export interface SqlitePhiKeyStoreOptions {
  /** The SQLite file (next to the event store: `<DATA_DIR>/phi-keys.sqlite`). */
  path: string;
  /** PHI_MASTER_KEY: wraps every data key at rest (AES-256-GCM under a key derived from it). */
  masterKey: string;
  /**
   * How long a data key read from the file is reused without looking again. Another process's
   * destroy takes effect here within this time; this process's own destroy takes effect at once.
   */
  cacheMs?: number;
  /**
   * Most entries each in-process cache keeps (default 8,192): every caller is a new patient with
   * keys and streams of their own, so the caches keep the recently written and forget the rest, which
   * the file still answers. A key is reused for `cacheMs` (30 s) only, which at 100 new patients a
   * second is some 6,000 keys; every entry kept beyond that is only more for each major garbage
   * collection to mark (a key is a Buffer and a KeyObject).
   */
  cacheEntries?: number;
  /** Least time between two commits, so that new keys share an fsync (default 4 ms; SqliteGroupCommit). */
  commitIntervalMs?: number;
  /**
   * Fsync the write-ahead log on the thread pool instead of on the event loop (default true for a
   * file; see SqliteGroupCommitOptions.walPath). A key is handed out, and an erasure acknowledged,
   * only once it is on disk either way.
   */
  fsyncOffLoop?: boolean;
  now?: () => Date;
}

/** A Map of at most `max` entries that forgets the least recently written first. */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly max: number) {
    super();
    if (!Number.isInteger(max) || max < 1) throw new Error('a bounded map keeps at least one entry');
  }

  override set(key: K, value: V): this {
    super.delete(key);
    super.set(key, value);
    if (this.size > this.max) super.delete(this.keys().next().value as K);
    return this;
  }
}

interface KeyRow {
  key_id: string;
  wrapped: Uint8Array | null;
}

/**
 * The embedded key store: data keys in a SQLite file, each wrapped (AES-256-GCM, the key id as
 * associated data) by a key derived from PHI_MASTER_KEY, so the file alone reveals nothing. Destroy
 * deletes the wrapped key material and keeps a tombstone row (who had keys, when they were shredded).
 * Several processes may share the file (WAL; key creation runs in an immediate transaction).
 */
export class SqlitePhiKeyStore implements PhiKeyStore {
  private readonly db: DatabaseSync;
  private readonly wrapKey: Buffer;
  private readonly cacheMs: number;
  private readonly now: () => Date;
  private readonly keys: BoundedMap<string, { key: Buffer | null; at: number }>;
  private readonly live: BoundedMap<string, { keyId: string; at: number }>;
  private readonly subjects: BoundedMap<string, string>;
  private readonly erasures: BoundedMap<string, { erasedAt: string | null; at: number }>;
  private cutoff: { day: string | null; at: number } | undefined;
  private readonly writes: SqliteGroupCommit;
  private readonly statements = new Map<string, StatementSync>();

  constructor(options: SqlitePhiKeyStoreOptions) {
    this.db = openSqliteDatabase(options.path);
    this.writes = groupCommitOnFile(this.db, options.path, options);
    this.wrapKey = deriveKey(options.masterKey, 'data-key-wrapping');
    this.cacheMs = options.cacheMs ?? 30_000;
    const entries = options.cacheEntries ?? 8_192;
    this.keys = new BoundedMap(entries);
    this.live = new BoundedMap(entries);
    this.subjects = new BoundedMap(entries);
    this.erasures = new BoundedMap(entries);
    this.now = options.now ?? (() => new Date());
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS phi_keys (
        key_id TEXT PRIMARY KEY,
        subject TEXT NOT NULL,
        key_class TEXT NOT NULL,
        day TEXT NOT NULL,
        generation INTEGER NOT NULL,
        wrapped BLOB,
        created_at TEXT NOT NULL,
        destroyed_at TEXT,
        UNIQUE (subject, key_class, day, generation)
      );
      CREATE INDEX IF NOT EXISTS phi_keys_by_class_day ON phi_keys (key_class, day);
      CREATE TABLE IF NOT EXISTS phi_erasures (
        subject TEXT PRIMARY KEY,
        erased_at TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS phi_retention (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        cutoff_day TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS phi_stream_subjects (
        stream_id TEXT PRIMARY KEY,
        subject TEXT NOT NULL
      );
    `);
  }

  async generateDataKey(spec: PhiKeySpec): Promise<PhiDataKey> {
    const logical = `${spec.subject}:${spec.keyClass}:${spec.day ?? '-'}`;
    const cached = this.live.get(logical);
    if (cached && this.fresh(cached.at)) {
      const key = await this.decrypt(cached.keyId);
      if (key) return { keyId: cached.keyId, key };
    }
    const day = spec.day ?? '-';
    const latest = this.statement(
      `SELECT key_id, wrapped FROM phi_keys WHERE subject = ? AND key_class = ? AND day = ?
       ORDER BY generation DESC LIMIT 1`,
    );
    // The common case reads without taking the write lock; only a key to create needs it.
    const found = latest.get(spec.subject, spec.keyClass, day) as KeyRow | undefined;
    if (found?.wrapped) {
      // Another request may have created it a moment ago: hand it out only once it is on disk.
      await this.writes.whenDurable();
      const result = { keyId: found.key_id, key: this.unwrap(found.key_id, found.wrapped) };
      const at = Date.now();
      this.live.set(logical, { keyId: result.keyId, at });
      this.keys.set(result.keyId, { key: result.key, at });
      return result;
    }
    // Keys created by concurrent requests share one commit (one fsync).
    const result = await this.writes.run((): PhiDataKey => {
      const row = latest.get(spec.subject, spec.keyClass, day) as KeyRow | undefined;
      if (row?.wrapped) return { keyId: row.key_id, key: this.unwrap(row.key_id, row.wrapped) };
      const { generation } = this.statement(
        `SELECT COALESCE(MAX(generation), 0) + 1 AS generation FROM phi_keys
           WHERE subject = ? AND key_class = ? AND day = ?`,
      ).get(spec.subject, spec.keyClass, day) as { generation: number };
      const keyId = `${spec.subject}:${spec.keyClass === 'contact' ? 'c' : 'n'}:${day}:${generation}`;
      const key = randomBytes(32);
      this.statement(
        `INSERT INTO phi_keys (key_id, subject, key_class, day, generation, wrapped, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        keyId,
        spec.subject,
        spec.keyClass,
        day,
        generation,
        this.wrap(keyId, key),
        this.now().toISOString(),
      );
      return { keyId, key };
    });
    const at = Date.now();
    this.live.set(logical, { keyId: result.keyId, at });
    this.keys.set(result.keyId, { key: result.key, at });
    return result;
  }

  async decrypt(keyId: string): Promise<Buffer | null> {
    const cached = this.keys.get(keyId);
    if (cached && (cached.key === null || this.fresh(cached.at))) return cached.key;
    const row = this.statement('SELECT key_id, wrapped FROM phi_keys WHERE key_id = ?').get(keyId) as
      KeyRow | undefined;
    const key = row?.wrapped ? this.unwrap(keyId, row.wrapped) : null;
    if (key) await this.writes.whenDurable();
    this.keys.set(keyId, { key, at: Date.now() });
    return key;
  }

  async destroy(selector: PhiKeySelector): Promise<string[]> {
    const [where, params] =
      'subject' in selector
        ? ['subject = ?', [selector.subject]]
        : ["key_class = 'content' AND day <> '-' AND day < ?", [selector.dayBefore]];
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const ids = (
        this.statement(`SELECT key_id FROM phi_keys WHERE wrapped IS NOT NULL AND ${where}`).all(
          ...params,
        ) as {
          key_id: string;
        }[]
      ).map((r) => r.key_id);
      const now = this.now().toISOString();
      this.statement(
        `UPDATE phi_keys SET wrapped = NULL, destroyed_at = ? WHERE wrapped IS NOT NULL AND ${where}`,
      ).run(now, ...params);
      if ('subject' in selector) {
        this.statement(
          `INSERT INTO phi_erasures (subject, erased_at) VALUES (?, ?)
             ON CONFLICT (subject) DO UPDATE SET erased_at = MAX(erased_at, excluded.erased_at)`,
        ).run(selector.subject, now);
        this.erasures.delete(selector.subject);
      } else {
        this.statement(
          `INSERT INTO phi_retention (id, cutoff_day) VALUES (1, ?)
             ON CONFLICT (id) DO UPDATE SET cutoff_day = MAX(cutoff_day, excluded.cutoff_day)`,
        ).run(selector.dayBefore);
        this.cutoff = undefined;
      }
      this.db.exec('COMMIT');
      for (const id of ids) this.keys.set(id, { key: null, at: Date.now() });
      for (const [logical, entry] of this.live) if (ids.includes(entry.keyId)) this.live.delete(logical);
      // An erasure is acknowledged only once it is on disk: a power loss must not bring a key back.
      await this.writes.sync();
      return ids;
    } catch (error) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
  }

  async forget(selector: PhiKeySelector): Promise<void> {
    let named: (keyId: string) => boolean;
    if ('subject' in selector) {
      const prefix = `${selector.subject}:`;
      named = (keyId) => keyId.startsWith(prefix);
      this.erasures.delete(selector.subject);
    } else {
      // A content key id is <subject>:n:<day>:<generation> (see generateDataKey).
      named = (keyId) => {
        const parts = keyId.split(':');
        const day = parts.at(-2) ?? '-';
        return parts.at(-3) === 'n' && day !== '-' && day < selector.dayBefore;
      };
      this.cutoff = undefined;
    }
    for (const keyId of this.keys.keys()) if (named(keyId)) this.keys.delete(keyId);
    for (const [logical, entry] of this.live) if (named(entry.keyId)) this.live.delete(logical);
  }

  async erasedAt(subject: string): Promise<string | null> {
    const cached = this.erasures.get(subject);
    if (cached && this.fresh(cached.at)) return cached.erasedAt;
    const row = this.statement('SELECT erased_at FROM phi_erasures WHERE subject = ?').get(subject) as
      { erased_at: string } | undefined;
    const erasedAt = row?.erased_at ?? null;
    this.erasures.set(subject, { erasedAt, at: Date.now() });
    return erasedAt;
  }

  async contentCutoffDay(): Promise<string | null> {
    if (this.cutoff && this.fresh(this.cutoff.at)) return this.cutoff.day;
    const row = this.statement('SELECT cutoff_day FROM phi_retention WHERE id = 1').get() as
      { cutoff_day: string } | undefined;
    this.cutoff = { day: row?.cutoff_day ?? null, at: Date.now() };
    return this.cutoff.day;
  }

  async streamSubject(streamId: string): Promise<string | null> {
    const cached = this.subjects.get(streamId);
    if (cached) return cached;
    const row = this.statement('SELECT subject FROM phi_stream_subjects WHERE stream_id = ?').get(
      streamId,
    ) as { subject: string } | undefined;
    if (row) {
      await this.writes.whenDurable();
      this.subjects.set(streamId, row.subject);
    }
    return row?.subject ?? null;
  }

  async rememberStreamSubject(streamId: string, subject: string): Promise<void> {
    if (this.subjects.get(streamId) === subject) return;
    // The first patient named on a stream stays its patient.
    await this.writes.run(() =>
      this.statement('INSERT OR IGNORE INTO phi_stream_subjects (stream_id, subject) VALUES (?, ?)').run(
        streamId,
        subject,
      ),
    );
    const stored = await this.streamSubjectFromFile(streamId);
    if (stored) this.subjects.set(streamId, stored);
  }

  /** Entries held by the in-process caches, all together (each cache is bounded by `cacheEntries`). */
  get cachedEntries(): number {
    return this.keys.size + this.live.size + this.subjects.size + this.erasures.size;
  }

  async close(): Promise<void> {
    await this.writes.close();
    if (this.db.isOpen) this.db.close();
  }

  private async streamSubjectFromFile(streamId: string): Promise<string | null> {
    const row = this.statement('SELECT subject FROM phi_stream_subjects WHERE stream_id = ?').get(
      streamId,
    ) as { subject: string } | undefined;
    return row?.subject ?? null;
  }

  /** Prepared once per SQL text, not on every call (node:sqlite parses on the event loop). */
  private statement(sql: string): StatementSync {
    let prepared = this.statements.get(sql);
    if (!prepared) this.statements.set(sql, (prepared = this.db.prepare(sql)));
    return prepared;
  }

  private fresh(at: number): boolean {
    return Date.now() - at < this.cacheMs;
  }

  private wrap(keyId: string, key: Buffer): Buffer {
    const { iv, sealed } = sealAesGcm(this.wrapKey, key, keyId);
    return Buffer.concat([iv, sealed]);
  }

  private unwrap(keyId: string, wrapped: Uint8Array): Buffer {
    const blob = Buffer.from(wrapped);
    return openAesGcm(this.wrapKey, blob.subarray(0, 12), blob.subarray(12), keyId);
  }
}
