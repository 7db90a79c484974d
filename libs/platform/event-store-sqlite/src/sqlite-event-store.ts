import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import { categoryOf, type EventEnvelope, type RecordedEvent } from '@ringback/contracts';
import {
  LiveSubscriptions,
  PollingSubscription,
  assertAppendBatch,
  checkExpectedRevision,
  classifyIdempotentAppend,
  streamHeadResult,
  subscriptionRetryDefaults,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type ReadAllOptions,
  type StoreSubscription,
  type StoredEventRef,
  type SubscriptionOptions,
  type SubscriptionRetryOptions,
  type SubscriptionSource,
} from '@ringback/platform-core';
import type { Registry } from 'prom-client';
import { createHistogram } from '@ringback/observability';
import { openSqliteDatabase } from './open-sqlite-database';
import { groupCommitOnFile, type SqliteGroupCommit } from './sqlite-group-commit';
import { RecentRows } from './recent-rows';
import { StreamEnds } from './stream-ends';
import { StreamIdFilter } from './stream-id-filter';
import type { WalCheckpointOptions } from './sqlite-wal-checkpointer';

export interface SqliteEventStoreOptions extends SubscriptionRetryOptions {
  /** Database file, or ':memory:' for a private in-process database. */
  path: string;
  /** How often a caught-up subscription looks for appends made by other processes (default 250 ms). */
  pollIntervalMs?: number;
  /** Least time between two commits, so that more appends share an fsync (default 4 ms; see SqliteGroupCommit). */
  commitIntervalMs?: number;
  /** Least time between two reads of a caught-up subscription (default 10 ms; see PollingSubscriptionRuntime). */
  minReadIntervalMs?: number;
  /**
   * Fsync the write-ahead log on the thread pool instead of on the event loop (default true for a
   * file; see SqliteGroupCommitOptions.walPath). An append is acknowledged after the fsync either way.
   */
  fsyncOffLoop?: boolean;
  /**
   * Where `ringback_event_store_fsync_seconds` goes: how long each fsync of the write-ahead log took
   * (off the loop only). Every append waits for one, so it is the disk's share of a webhook's latency.
   * And `ringback_event_store_wal_pause_seconds`: how long appends waited for a checkpoint to copy the
   * last frames of the log, so that it could start over (see checkpointOffLoop). And
   * `ringback_event_store_read_seconds`: how long each read of a stream held the event loop.
   */
  registry?: Registry;
  /** When the log's checkpoints pause appends (see checkpointOffLoop; tests make it sooner). */
  checkpoints?: WalCheckpointOptions;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS events (
    position        INTEGER PRIMARY KEY AUTOINCREMENT,
    stream_id       TEXT    NOT NULL,
    stream_revision INTEGER NOT NULL,
    category        TEXT    NOT NULL,
    event_id        TEXT    NOT NULL UNIQUE,
    type            TEXT    NOT NULL,
    schema_version  INTEGER NOT NULL,
    payload         TEXT    NOT NULL CHECK (json_valid(payload)),
    metadata        TEXT    NOT NULL CHECK (json_valid(metadata)),
    UNIQUE (stream_id, stream_revision)
  );
  CREATE INDEX IF NOT EXISTS events_by_category ON events (category, position);
`;

const COLUMNS = 'position, stream_id, stream_revision, event_id, type, schema_version, payload, metadata';
const BATCH = 256;
/** A local disk fsyncs in about a millisecond; tens of milliseconds are what a webhook feels. */
const FSYNC_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/**
 * Rows appended here that caught-up readers take from memory. Readers are a few milliseconds behind,
 * so a second or two of appends is plenty, and rows gone before the young generation's next
 * collections are never copied into the old one.
 */
const RECENT_ROWS = 512;
/**
 * Streams whose end is kept (StreamEnds): the ones read or appended in the last few minutes of the
 * soak's load, at some hundred bytes each.
 */
const STREAM_ENDS = 16_384;

interface EventRow {
  position: bigint;
  stream_id: string;
  stream_revision: bigint;
  event_id: string;
  type: string;
  schema_version: bigint;
  payload: string;
  metadata: string;
}

interface AppendedRow extends EventRow {
  category: string;
}

interface StoredRow {
  stream_id: string;
  stream_revision: bigint;
  position: bigint;
}

/**
 * Event store on a single SQLite file (node:sqlite), for the all-in-one deployment and integration
 * tests. `position` is the table's AUTOINCREMENT key: strictly increasing and, because SQLite has one
 * writer at a time, never visible out of order. Payload and the rest of the envelope are JSON text.
 *
 * Appends run under the write lock of an IMMEDIATE transaction (the idempotency lookup, the revision
 * check and the inserts), so concurrent writers, in this process or another one on the same file,
 * serialise and exactly one of two racing appends at the same revision wins. Appends asked for in the
 * same turn of the event loop share that transaction (group commit, each in its own savepoint): one
 * fsync for all of them, and an append that fails is rolled back alone.
 */
export class SqliteEventStore implements EventStore {
  /** The connection, so a SqliteCheckpointStore can share the file and its transactions. */
  readonly database: DatabaseSync;
  private readonly statements: {
    streamHead: StatementSync;
    byEventId: StatementSync;
    insert: StatementSync;
    readStream: StatementSync;
    readAll: StatementSync;
    readAllByCategory: StatementSync;
    head: StatementSync;
    headByCategory: StatementSync;
    dataVersion: StatementSync;
    streamsCreatedAfter: StatementSync;
  };
  private readonly subscriptions = new LiveSubscriptions<PollingSubscription>();
  private readonly source: SubscriptionSource;
  private readonly writes: SqliteGroupCommit;
  /** First positions of appends committed and not yet acknowledged (their fsync is under way). */
  private readonly unsynced = new Set<bigint>();
  /** The newest rows appended by this connection, while no other connection has written since. */
  private readonly recent = new RecentRows<AppendedRow>(RECENT_ROWS);
  /** Where streams this connection read or appended end, while no other connection has written since. */
  private readonly ends = new StreamEnds(STREAM_ENDS);
  /** Every stream id of the file's rows up to `streamIdsCover` (and of this connection's appends). */
  private readonly streamIds: StreamIdFilter;
  private streamIdsCover: bigint;
  /** `PRAGMA data_version` when last looked at: it changes when another connection commits. */
  private dataVersion: unknown;
  /** Told how long each read of a stream held the loop (seconds), with a registry. */
  private readonly onRead: ((seconds: number) => void) | undefined;
  private closed = false;

  constructor(private readonly options: SqliteEventStoreOptions) {
    this.database = openSqliteDatabase(options.path);
    try {
      this.database.exec(SCHEMA);
      const prepare = (sql: string): StatementSync => {
        const statement = this.database.prepare(sql);
        statement.setReadBigInts(true);
        return statement;
      };
      this.statements = {
        streamHead: prepare(
          'SELECT stream_id, stream_revision, position FROM events WHERE stream_id = ? ORDER BY stream_revision DESC LIMIT 1',
        ),
        byEventId: prepare('SELECT stream_id, stream_revision, position FROM events WHERE event_id = ?'),
        insert: prepare(
          `INSERT INTO events (stream_id, stream_revision, category, event_id, type, schema_version, payload, metadata)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING position`,
        ),
        readStream: prepare(
          `SELECT ${COLUMNS} FROM events WHERE stream_id = ? AND stream_revision >= ? ORDER BY stream_revision LIMIT ?`,
        ),
        readAll: prepare(`SELECT ${COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`),
        // one category per query: each walks events_by_category in position order, no sort
        readAllByCategory: prepare(
          `SELECT ${COLUMNS} FROM events WHERE category = ? AND position > ? ORDER BY position LIMIT ?`,
        ),
        head: prepare('SELECT max(position) AS position FROM events'),
        headByCategory: prepare('SELECT max(position) AS position FROM events WHERE category = ?'),
        dataVersion: prepare('PRAGMA data_version'),
        // the first row of each stream: a range of the table's key, then a look at the revision
        streamsCreatedAfter: prepare(
          'SELECT stream_id FROM events WHERE position > ? AND stream_revision = 0',
        ),
      };
      this.dataVersion = this.statements.dataVersion.get()?.['data_version'];
      const head = this.headSync(undefined);
      this.recent.startAfter(head);
      // The head before the scan: rows up to it are all in what the scan sees. The stream index alone
      // answers the scan, not the table's pages.
      this.streamIdsCover = head;
      this.streamIds = new StreamIdFilter(Math.max(65_536, 2 * Number(head)));
      for (const row of this.database.prepare('SELECT DISTINCT stream_id FROM events').iterate())
        this.streamIds.add((row as { stream_id: string }).stream_id);
    } catch (error) {
      this.database.close();
      throw error;
    }
    // Concurrent appends (HTTP requests, consumers) share one commit: one fsync per turn of the loop,
    // and commits at least commitIntervalMs apart; the fsync itself runs off the event loop.
    // Each timing goes to a histogram of its own when there is a registry.
    const timed = (name: string, help: string): ((seconds: number) => void) | undefined => {
      if (!options.registry) return undefined;
      const histogram = createHistogram(options.registry, { name, help, buckets: FSYNC_BUCKETS });
      return (seconds) => histogram.observe(seconds);
    };
    const onFsync = timed(
      'event_store_fsync_seconds',
      "Time of each fsync of the SQLite event store's write-ahead log; every append waits for one",
    );
    const onCommit = timed(
      'event_store_commit_seconds',
      'Time the event loop spent in each group transaction of the SQLite event store (BEGIN to COMMIT); nothing else runs meanwhile',
    );
    // A read is SQLite's work on the loop, and its wait for the file: told apart by their times.
    this.onRead = timed(
      'event_store_read_seconds',
      "Time the event loop spent in each read of a stream from the SQLite event store's file; nothing else runs meanwhile",
    );
    const onPause = timed(
      'event_store_wal_pause_seconds',
      "Time appends waited for a checkpoint to copy the last frames of the SQLite event store's write-ahead log, so that the log could start over",
    );
    this.writes = groupCommitOnFile(this.database, options.path, {
      ...options,
      ...(onFsync ? { onFsync } : {}),
      ...(onCommit ? { onCommit } : {}),
      checkpoints: {
        ...options.checkpoints,
        ...(onPause ? { onPause } : {}),
      },
    });
    this.source = {
      read: (from, categories, maxCount) => this.readAllSync({ fromPosition: from, maxCount, categories }),
      head: (categories) => this.headSync(categories),
    };
  }

  async appendToStream(
    streamId: string,
    events: readonly EventEnvelope[],
    options: { expectedRevision: ExpectedRevision },
  ): Promise<AppendResult> {
    this.assertOpen();
    assertAppendBatch(streamId, events);
    // Rows committed but not yet fsynced stay hidden from this store's readers (subscriptions and
    // readAll): what the relay publishes or a projection shows must survive a power loss.
    let unsynced: bigint | undefined;
    let result: { appended: boolean; answer: AppendResult };
    try {
      result = await this.writes.run(() => {
        const appended = this.appendLocked(streamId, events, options.expectedRevision);
        if (appended.appended) {
          unsynced = appended.answer.position - BigInt(events.length - 1);
          this.unsynced.add(unsynced);
          this.recent.add(appended.rows);
          this.ends.appended(streamId, appended.answer.nextExpectedRevision);
          this.streamIds.add(streamId);
          // Right after the rows the filter covers: it covers these too (a gap is someone else's rows).
          if (unsynced === this.streamIdsCover + 1n) this.streamIdsCover = appended.answer.position;
        }
        return appended;
      });
    } catch (error) {
      // The rows may have been rolled back with their transaction: readers go to the file again, and
      // their positions may be taken again by another connection's rows, which the filter must see.
      if (unsynced !== undefined) {
        this.recent.forget();
        if (this.streamIdsCover >= unsynced) this.streamIdsCover = unsynced - 1n;
      }
      throw error;
    } finally {
      if (unsynced !== undefined) this.unsynced.delete(unsynced);
    }
    if (result.appended) {
      const category = categoryOf(streamId);
      for (const s of this.subscriptions) s.notify(category);
    }
    return result.answer;
  }

  async readStream(
    streamId: string,
    options: { fromRevision?: number; maxCount?: number } = {},
  ): Promise<RecordedEvent[]> {
    this.assertOpen();
    const from = Math.max(0, options.fromRevision ?? 0);
    // Past a known end, or in a stream the file has never had, there is nothing to read, unless
    // another connection wrote since.
    const end = this.ends.endOf(streamId);
    const nothing = end === undefined ? !this.streamIds.mayHave(streamId) : from >= end;
    if (nothing && !this.noticeForeignWrites()) return [];
    const started = this.onRead ? performance.now() : 0;
    const rows = this.statements.readStream.all(
      streamId,
      from,
      limitOf(options.maxCount),
    ) as unknown as EventRow[];
    this.onRead?.((performance.now() - started) / 1000);
    // Fewer rows than asked for: the read reached the stream's end.
    if (options.maxCount === undefined || rows.length < options.maxCount) {
      const last = rows[rows.length - 1];
      this.ends.readTo(streamId, last ? Number(last.stream_revision) + 1 : from);
    }
    return rows.map(toRecorded);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    return this.readAllSync(options);
  }

  async headPosition(): Promise<bigint> {
    this.assertOpen();
    return this.headSync(undefined);
  }

  subscribe(options: SubscriptionOptions): StoreSubscription {
    this.assertOpen();
    return this.subscriptions.add(
      (onStopped) =>
        new PollingSubscription(this.source, options, {
          pollIntervalMs: this.options.pollIntervalMs ?? 250,
          minReadIntervalMs: this.options.minReadIntervalMs ?? 10,
          batchSize: BATCH,
          ...subscriptionRetryDefaults(this.options, 'read failed'),
          onStopped,
        }),
    );
  }

  /** Stops every subscription (after its handler in flight settles), then closes the connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writes.close();
    await this.subscriptions.stopAll();
    this.database.close();
  }

  private appendLocked(
    streamId: string,
    events: readonly EventEnvelope[],
    expected: ExpectedRevision,
  ): { appended: boolean; answer: AppendResult; rows: AppendedRow[] } {
    const classified = classifyIdempotentAppend(
      streamId,
      events.map((e) => toStoredRef(this.statements.byEventId.get(e.eventId) as StoredRow | undefined)),
    );
    if (classified.kind === 'retry') return { appended: false, answer: classified.result, rows: [] };

    const head = toStoredRef(this.statements.streamHead.get(streamId) as StoredRow | undefined);
    checkExpectedRevision(streamId, expected, head ? head.streamRevision : 'no_stream');
    if (events.length === 0) return { appended: false, answer: streamHeadResult(head), rows: [] };

    const category = categoryOf(streamId);
    let revision = head ? head.streamRevision : -1;
    let position = 0n;
    const rows: AppendedRow[] = [];
    for (const envelope of events) {
      revision++;
      const { eventId, type, schemaVersion, streamId: _streamId, data, ...metadata } = envelope;
      const payload = JSON.stringify(data ?? null);
      const metadataText = JSON.stringify(metadata);
      const row = this.statements.insert.get(
        streamId,
        revision,
        category,
        eventId,
        type,
        schemaVersion,
        payload,
        metadataText,
      ) as { position: bigint };
      position = row.position;
      // What the same row read back from the file would be.
      rows.push({
        position,
        stream_id: streamId,
        stream_revision: BigInt(revision),
        event_id: eventId,
        type,
        schema_version: BigInt(schemaVersion),
        payload,
        metadata: metadataText,
        category,
      });
    }
    return { appended: true, answer: { nextExpectedRevision: revision, position }, rows };
  }

  private readAllSync(options: ReadAllOptions): RecordedEvent[] {
    const rows = this.readAllRows(options);
    if (this.unsynced.size === 0) return rows.map(toRecorded);
    let floor: bigint | undefined;
    for (const p of this.unsynced) if (floor === undefined || p < floor) floor = p;
    // Positions are in order: everything from the first unsynced row on waits for the next read.
    const visible = rows.findIndex((r) => r.position >= floor!);
    return (visible === -1 ? rows : rows.slice(0, visible)).map(toRecorded);
  }

  private readAllRows(options: ReadAllOptions): EventRow[] {
    const from = options.fromPosition ?? 0n;
    const recent = this.readRecent(from, options.categories, options.maxCount);
    if (recent) return recent;
    const limit = limitOf(options.maxCount);
    if (!options.categories) return this.statements.readAll.all(from, limit) as unknown as EventRow[];
    // each category is already in position order: take up to `limit` of each, merge, cut
    const rows = [...new Set(options.categories)].flatMap(
      (category) => this.statements.readAllByCategory.all(category, from, limit) as unknown as EventRow[],
    );
    rows.sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));
    return options.maxCount === undefined ? rows : rows.slice(0, Math.max(0, options.maxCount));
  }

  /** Rows after `from` from memory, when memory has them all and no other connection wrote since. */
  private readRecent(
    from: bigint,
    categories: string[] | undefined,
    maxCount: number | undefined,
  ): EventRow[] | undefined {
    if (this.noticeForeignWrites()) return undefined;
    return this.recent.read(from, categories, maxCount);
  }

  /**
   * Whether another connection committed since the last look (`PRAGMA data_version`); if so, what
   * memory holds of the file (recent rows, stream ends) is forgotten, and the streams created since
   * the filter's cover are added to it.
   */
  private noticeForeignWrites(): boolean {
    const version = this.statements.dataVersion.get()?.['data_version'];
    if (version === this.dataVersion) return false;
    this.dataVersion = version;
    this.recent.forget();
    this.ends.forget();
    const head = this.headSync(undefined);
    for (const row of this.statements.streamsCreatedAfter.iterate(this.streamIdsCover))
      this.streamIds.add((row as { stream_id: string }).stream_id);
    this.streamIdsCover = head;
    return true;
  }

  private headSync(categories: string[] | undefined): bigint {
    const heads = (categories ?? [undefined]).map((category) => {
      const row = (
        category === undefined ? this.statements.head.get() : this.statements.headByCategory.get(category)
      ) as { position: bigint | null } | undefined;
      return row?.position ?? 0n;
    });
    return heads.reduce((max, p) => (p > max ? p : max), 0n);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('sqlite event store is closed');
  }
}

const toStoredRef = (row: StoredRow | undefined): StoredEventRef | undefined =>
  row && { streamId: row.stream_id, streamRevision: Number(row.stream_revision), position: row.position };

/** SQLite reads LIMIT -1 as "no limit". */
const limitOf = (maxCount: number | undefined): SQLInputValue =>
  maxCount === undefined ? -1 : Math.max(0, maxCount);

function toRecorded(row: EventRow): RecordedEvent {
  const metadata = JSON.parse(row.metadata) as Record<string, unknown>;
  return {
    envelope: {
      ...metadata,
      eventId: row.event_id,
      type: row.type,
      schemaVersion: Number(row.schema_version),
      streamId: row.stream_id,
      data: JSON.parse(row.payload) as unknown,
    } as EventEnvelope,
    streamRevision: Number(row.stream_revision),
    position: row.position,
  };
}
