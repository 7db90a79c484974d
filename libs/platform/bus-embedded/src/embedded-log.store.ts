import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { WalFsync, checkpointOffLoop, type WalCheckpoints } from '@ringback/event-store-sqlite';
import { partitionForKey } from './key-partitioner';

export interface StoredRecord {
  topic: string;
  partition: number;
  offset: number;
  key: string;
  value: string;
  headers: Record<string, string>;
}

interface CommitRequest {
  groupId: string;
  topic: string;
  partition: number;
  nextOffset: number;
  memberId: string;
}

interface AppendRequest {
  topic: string;
  key: string;
  value: string;
  headers: Record<string, string>;
  now: number;
}

/** A write waiting for the next shared transaction, with whoever waits for its answer. */
type PendingWrite =
  | {
      kind: 'append';
      request: AppendRequest;
      resolve: (at: { partition: number; offset: number }) => void;
      reject: (error: unknown) => void;
    }
  | {
      kind: 'commit';
      request: CommitRequest;
      resolve: (held: boolean) => void;
      reject: (error: unknown) => void;
    }
  | {
      /** Nothing to write: settles once every write queued before it was committed (syncSoon). */
      kind: 'barrier';
      resolve: () => void;
      reject: (error: unknown) => void;
    };

/** Who holds a partition lease: one consumer of one process on one host. */
export interface LeaseHolder {
  memberId: string;
  host: string;
  pid: number;
}

/**
 * Records kept per partition for this process's consumers (see `tails`): enough for consumers a
 * moment behind, few enough to be gone before the young generation's next collections.
 */
const TAIL_RECORDS = 64;
const tailKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

// `part`/`pos`: PARTITION and OFFSET are SQL keywords.
// bus_log is a rowid table: a message is about a kilobyte, and a WITHOUT ROWID table (the old
// bus_messages, see migrateSchema) keeps at most about 1,000 bytes of a row in its B-tree page and the
// rest in an overflow page of its own: in a soak, three pages of the file in four were such pages, 79 %
// of their space unused, and appends wrote one each. A rowid table keeps rows of up to about 4,000
// bytes in its leaf pages, several to a page.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS bus_topics (
  topic      TEXT PRIMARY KEY,
  partitions INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS bus_log (
  id          INTEGER PRIMARY KEY,
  topic       TEXT NOT NULL,
  part        INTEGER NOT NULL,
  pos         INTEGER NOT NULL,
  key         TEXT NOT NULL,
  value       TEXT NOT NULL,
  headers     TEXT NOT NULL,
  appended_at INTEGER NOT NULL,
  UNIQUE (topic, part, pos)
) STRICT;
CREATE TABLE IF NOT EXISTS bus_group_offsets (
  group_id    TEXT NOT NULL,
  topic       TEXT NOT NULL,
  part        INTEGER NOT NULL,
  next_pos    INTEGER NOT NULL,
  PRIMARY KEY (group_id, topic, part)
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS bus_meta (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS bus_leases (
  group_id    TEXT NOT NULL,
  topic       TEXT NOT NULL,
  part        INTEGER NOT NULL,
  member_id   TEXT NOT NULL,
  host        TEXT NOT NULL,
  pid         INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  PRIMARY KEY (group_id, topic, part)
) STRICT, WITHOUT ROWID;
`;

/**
 * Moves the messages of a file written before bus_log into it, offsets unchanged, and drops the old
 * table: in one transaction, so a crash leaves either table whole, and a second process opening the
 * file meanwhile finds the work done.
 */
function migrateSchema(db: DatabaseSync): void {
  const hasOld = (): boolean =>
    db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'bus_messages'").get() !==
    undefined;
  if (!hasOld()) return;
  db.exec('BEGIN IMMEDIATE');
  try {
    if (hasOld())
      db.exec(`
        INSERT INTO bus_log (topic, part, pos, key, value, headers, appended_at)
          SELECT topic, part, pos, key, value, headers, appended_at FROM bus_messages
          ORDER BY appended_at, topic, part, pos;
        DROP TABLE bus_messages;
      `);
    db.exec('COMMIT');
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

/**
 * The embedded bus's durable state in one SQLite file: an append-only log per topic partition, the
 * committed position of every consumer group, and the partition leases that keep two consumers of
 * one group (possibly in two processes) off the same partition. WAL + synchronous=NORMAL: an append or
 * a commit that returned survives a crash or SIGKILL of the process without an fsync of its own, and a
 * power loss once `sync()` returned (WAL frames are checksummed in a chain, so after a power loss the
 * log is a prefix of what was written: never a later message without the earlier ones, never an
 * offset past the messages it covers).
 */
export class EmbeddedLogStore {
  private readonly db: DatabaseSync;
  private readonly partitionCounts = new Map<string, number>();
  private readonly sql: Record<
    | 'addTopic'
    | 'topicPartitions'
    | 'endPos'
    | 'insert'
    | 'read'
    | 'committed'
    | 'initOffset'
    | 'commit'
    | 'lease'
    | 'upsertLease'
    | 'renewLeases'
    | 'heldLeases'
    | 'releaseLeases'
    | 'touch'
    | 'dataVersion'
    | 'begin'
    | 'commitTransaction',
    StatementSync
  >;
  private open = true;
  /** Appends and commits queued for one transaction at the next turn of the event loop. */
  private pending: PendingWrite[] = [];
  private flushScheduled: NodeJS.Immediate | undefined;
  /**
   * The newest records appended through this connection, per partition (`topic\0partition`), up to
   * TAIL_RECORDS each, ending at the partition's end: consumers of this process read them from here
   * instead of from the file. Valid only while no other connection (another process over the same
   * file) wrote since `tailVersion`; forgotten as soon as one did, or a transaction was rolled back.
   */
  private readonly tails = new Map<string, StoredRecord[]>();
  private tailVersion: number | undefined;
  /** The file's checkpoints, taken off the event loop (none for `:memory:`). */
  private readonly checkpoints: WalCheckpoints | undefined;
  /** The write-ahead log, for the fsyncs of `syncSoon` (none for `:memory:`). */
  private readonly wal: WalFsync | undefined;

  constructor(
    readonly path: string,
    private readonly defaultPartitions: number,
    busyTimeoutMs = 5_000,
  ) {
    this.db = new DatabaseSync(path, { timeout: busyTimeoutMs });
    try {
      if (path !== ':memory:') this.db.exec('PRAGMA journal_mode = WAL');
      // NORMAL: a commit survives a crash of the process without an fsync of its own; sync() makes
      // everything so far survive a power loss too (see the class comment).
      this.db.exec('PRAGMA synchronous = NORMAL');
      this.db.exec(SCHEMA);
      migrateSchema(this.db);
    } catch (error) {
      this.db.close();
      throw error;
    }
    if (path !== ':memory:') {
      this.wal = new WalFsync(`${path}-wal`);
      this.checkpoints = checkpointOffLoop(this.db, path);
      this.checkpoints.onResume(() => {
        if (this.pending.length > 0) this.scheduleFlush();
      });
    }
    const p = (sql: string): StatementSync => this.db.prepare(sql);
    this.sql = {
      addTopic: p('INSERT OR IGNORE INTO bus_topics (topic, partitions) VALUES (?, ?)'),
      topicPartitions: p('SELECT partitions FROM bus_topics WHERE topic = ?'),
      endPos: p('SELECT COALESCE(MAX(pos) + 1, 0) AS end_pos FROM bus_log WHERE topic = ? AND part = ?'),
      insert: p(
        'INSERT INTO bus_log (topic, part, pos, key, value, headers, appended_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      read: p(
        'SELECT pos, key, value, headers FROM bus_log WHERE topic = ? AND part = ? AND pos >= ? ORDER BY pos LIMIT ?',
      ),
      committed: p('SELECT next_pos FROM bus_group_offsets WHERE group_id = ? AND topic = ? AND part = ?'),
      initOffset: p(
        'INSERT OR IGNORE INTO bus_group_offsets (group_id, topic, part, next_pos) VALUES (?, ?, ?, ?)',
      ),
      // Positions only move forward, whatever order commits arrive in.
      commit: p(
        `INSERT INTO bus_group_offsets (group_id, topic, part, next_pos) VALUES (?, ?, ?, ?)
         ON CONFLICT (group_id, topic, part) DO UPDATE SET next_pos = MAX(next_pos, excluded.next_pos)`,
      ),
      lease: p(
        'SELECT member_id, host, pid, expires_at FROM bus_leases WHERE group_id = ? AND topic = ? AND part = ?',
      ),
      upsertLease: p(
        `INSERT INTO bus_leases (group_id, topic, part, member_id, host, pid, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (group_id, topic, part) DO UPDATE SET
           member_id = excluded.member_id, host = excluded.host, pid = excluded.pid, expires_at = excluded.expires_at`,
      ),
      renewLeases: p('UPDATE bus_leases SET expires_at = ? WHERE member_id = ?'),
      heldLeases: p('SELECT topic, part FROM bus_leases WHERE member_id = ?'),
      releaseLeases: p('DELETE FROM bus_leases WHERE member_id = ?'),
      dataVersion: p('PRAGMA data_version'),
      // Prepared once: cheaper than parsing them for every transaction.
      begin: p('BEGIN IMMEDIATE'),
      commitTransaction: p('COMMIT'),
      touch: p(
        `INSERT INTO bus_meta (name, value) VALUES ('synced', 1)
         ON CONFLICT (name) DO UPDATE SET value = value + 1`,
      ),
    };
  }

  /** Changes whenever another connection (another bus, another process) committed to the file. */
  dataVersion(): number {
    return Number((this.sql.dataVersion.get() as { data_version: number }).data_version);
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** Partition count of `topic`, creating it with the default count on first use. The first creator's count sticks. */
  partitionsOf(topic: string): number {
    let count = this.partitionCounts.get(topic);
    if (count === undefined) {
      this.sql.addTopic.run(topic, this.defaultPartitions);
      count = Number((this.sql.topicPartitions.get(topic) as { partitions: number }).partitions);
      this.partitionCounts.set(topic, count);
    }
    return count;
  }

  /** Appends at the end of the key's partition; survives a crash when it returns (a power loss after `sync()`). */
  append(
    topic: string,
    key: string,
    value: string,
    headers: Record<string, string>,
    now: number,
  ): { partition: number; offset: number } {
    return this.transaction(() => this.appendLocked({ topic, key, value, headers, now }));
  }

  /**
   * `append`, in one transaction with every other append and commit queued in the same turn of the
   * event loop: a transaction (and its write-ahead-log frames) per turn instead of per message, which
   * was the bus's largest cost under load. Resolves once committed, with the same durability.
   */
  appendSoon(
    topic: string,
    key: string,
    value: string,
    headers: Record<string, string>,
    now: number,
  ): Promise<{ partition: number; offset: number }> {
    return new Promise((resolve, reject) => {
      this.enqueue({ kind: 'append', request: { topic, key, value, headers, now }, resolve, reject });
    });
  }

  private appendLocked(r: AppendRequest): { partition: number; offset: number } {
    const partition = partitionForKey(r.key, this.partitionsOf(r.topic));
    const at = tailKey(r.topic, partition);
    let tail = this.tails.get(at);
    const offset = tail?.length ? tail[tail.length - 1]!.offset + 1 : this.endOffset(r.topic, partition);
    const headers = JSON.stringify(r.headers);
    this.sql.insert.run(r.topic, partition, offset, r.key, r.value, headers, r.now);
    if (!tail) this.tails.set(at, (tail = []));
    // A copy: the record must not share the caller's headers object.
    tail.push(
      Object.freeze({
        topic: r.topic,
        partition,
        offset,
        key: r.key,
        value: r.value,
        headers: Object.freeze({ ...r.headers }),
      }),
    );
    if (tail.length > TAIL_RECORDS) tail.splice(0, tail.length - TAIL_RECORDS);
    return { partition, offset };
  }

  /** Forgets the tails when another connection has written to the file since they were taken. */
  private checkTails(): void {
    const version = this.dataVersion();
    if (version === this.tailVersion) return;
    this.tails.clear();
    this.tailVersion = version;
  }

  /**
   * Makes everything appended and committed so far durable against power loss, the fsync off the
   * event loop: once what is queued was committed, an fsync of the write-ahead log on the thread pool
   * covers every frame written to it. Frames a checkpoint copied out of the log were fsynced in the
   * database before the log could start over.
   */
  async syncSoon(): Promise<void> {
    if (!this.open) throw new Error('the embedded bus log is closed');
    if (this.pending.length > 0)
      await new Promise<void>((resolve, reject) => this.enqueue({ kind: 'barrier', resolve, reject }));
    try {
      await this.wal?.sync();
    } catch (error) {
      // No log yet (nothing written through it): the commit of sync() writes and fsyncs one.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      this.sync();
    }
  }

  /**
   * Makes everything appended and committed so far durable against power loss on the event loop:
   * one FULL commit, whose fsync of the write-ahead log covers every earlier frame (what close does).
   */
  sync(): void {
    if (this.flushScheduled) clearImmediate(this.flushScheduled);
    this.flush(true);
    this.db.exec('PRAGMA synchronous = FULL');
    try {
      this.sql.touch.run();
    } finally {
      this.db.exec('PRAGMA synchronous = NORMAL');
    }
  }

  read(topic: string, partition: number, fromOffset: number, limit: number): StoredRecord[] {
    this.checkTails();
    const tail = this.tails.get(tailKey(topic, partition));
    if (tail?.length && tail[0]!.offset <= fromOffset) {
      const start = fromOffset - tail[0]!.offset;
      return tail.slice(start, start + limit);
    }
    const rows = this.sql.read.all(topic, partition, fromOffset, limit) as {
      pos: number;
      key: string;
      value: string;
      headers: string;
    }[];
    return rows.map((r) => ({
      topic,
      partition,
      offset: Number(r.pos),
      key: r.key,
      value: r.value,
      headers: JSON.parse(r.headers) as Record<string, string>,
    }));
  }

  /** Offset the next append to the partition gets (Kafka's high watermark). */
  endOffset(topic: string, partition: number): number {
    this.checkTails();
    const tail = this.tails.get(tailKey(topic, partition));
    if (tail?.length) return tail[tail.length - 1]!.offset + 1;
    return Number((this.sql.endPos.get(topic, partition) as { end_pos: number }).end_pos);
  }

  /** Next offset the group reads on the partition, or undefined when it never committed there. */
  committed(groupId: string, topic: string, partition: number): number | undefined {
    const row = this.sql.committed.get(groupId, topic, partition) as { next_pos: number } | undefined;
    return row === undefined ? undefined : Number(row.next_pos);
  }

  /** Sets the group's position where it has none yet. */
  initOffset(groupId: string, topic: string, partition: number, offset: number): void {
    this.sql.initOffset.run(groupId, topic, partition, offset);
  }

  /**
   * Records that the group has handled everything before `nextOffset`, if `memberId` still holds the
   * partition's lease. A member that lost its lease (it stalled past the TTL and another took over)
   * is fenced off and must stop working on the partition.
   * Runs in the transaction shared by the writes queued in this turn of the event loop (see `appendSoon`).
   */
  commitSoon(
    groupId: string,
    topic: string,
    partition: number,
    nextOffset: number,
    memberId: string,
  ): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.enqueue({
        kind: 'commit',
        request: { groupId, topic, partition, nextOffset, memberId },
        resolve,
        reject,
      });
    });
  }

  private enqueue(write: PendingWrite): void {
    if (!this.open) {
      write.reject(new Error('the embedded bus log is closed'));
      return;
    }
    this.pending.push(write);
    this.scheduleFlush();
  }

  /** The next shared transaction, at the next turn of the loop. */
  private scheduleFlush(): void {
    this.flushScheduled ??= setImmediate(() => this.flush());
  }

  /**
   * Runs every queued write in one transaction, in queue order. Should the transaction fail (a lock
   * held past the busy timeout, a full disk), nothing of it is kept and every write of it is rejected,
   * as a single write's transaction would be.
   */
  private flush(force = false): void {
    this.flushScheduled = undefined;
    // While the checkpointer copies the last frames of the log, writes wait for it (onResume).
    if (!force && this.checkpoints?.paused) return;
    const writes = this.pending;
    this.pending = [];
    if (writes.length === 0) return;
    const answers: unknown[] = [];
    try {
      this.transaction(() => {
        for (const w of writes)
          answers.push(
            w.kind === 'append'
              ? this.appendLocked(w.request)
              : w.kind === 'commit'
                ? this.commitLocked(w.request)
                : undefined,
          );
      });
    } catch (error) {
      for (const w of writes) w.reject(error);
      return;
    }
    writes.forEach((w, i) => (w.resolve as (answer: unknown) => void)(answers[i]));
  }

  private commitLocked(c: CommitRequest): boolean {
    const lease = this.sql.lease.get(c.groupId, c.topic, c.partition) as { member_id: string } | undefined;
    if (lease?.member_id !== c.memberId) return false;
    this.sql.commit.run(c.groupId, c.topic, c.partition, c.nextOffset);
    return true;
  }

  /**
   * Takes the partition's lease for the group if it is free, expired, ours already, or held by a
   * process `isGone` says no longer exists (a consumer that was SIGKILLed does not make its
   * successor wait for the TTL).
   */
  tryAcquireLease(
    groupId: string,
    topic: string,
    partition: number,
    holder: LeaseHolder,
    now: number,
    ttlMs: number,
    isGone: (host: string, pid: number) => boolean,
  ): boolean {
    return this.transaction(() => {
      const lease = this.sql.lease.get(groupId, topic, partition) as
        { member_id: string; host: string; pid: number; expires_at: number } | undefined;
      const free =
        !lease ||
        lease.member_id === holder.memberId ||
        Number(lease.expires_at) <= now ||
        isGone(lease.host, Number(lease.pid));
      if (free)
        this.sql.upsertLease.run(
          groupId,
          topic,
          partition,
          holder.memberId,
          holder.host,
          holder.pid,
          now + ttlMs,
        );
      return free;
    });
  }

  /** Extends every lease of the member; returns the partitions (`topic`, `partition`) it still holds. */
  renewLeases(memberId: string, now: number, ttlMs: number): { topic: string; partition: number }[] {
    return this.transaction(() => {
      this.sql.renewLeases.run(now + ttlMs, memberId);
      return (this.sql.heldLeases.all(memberId) as { topic: string; part: number }[]).map((r) => ({
        topic: r.topic,
        partition: Number(r.part),
      }));
    });
  }

  releaseLeases(memberId: string): void {
    this.sql.releaseLeases.run(memberId);
  }

  /** Closes the file; resolves once the checkpointer thread let go of it too. */
  async close(): Promise<void> {
    if (!this.open) return;
    // A clean close leaves everything durable, the writes still queued included.
    this.sync();
    this.open = false;
    this.db.close();
    await Promise.all([this.checkpoints?.close(), this.wal?.close()]);
  }

  // IMMEDIATE: take the write lock up front, so a read-then-write never fails half way on SQLITE_BUSY.
  private transaction<T>(work: () => T): T {
    this.sql.begin.run();
    try {
      this.checkTails();
      const result = work();
      this.sql.commitTransaction.run();
      return result;
    } catch (error) {
      // The tails may hold records of the transaction rolled back.
      this.tails.clear();
      // SQLite may have rolled back by itself already (e.g. on SQLITE_FULL); the original error matters.
      try {
        this.db.exec('ROLLBACK');
      } catch {
        /* no transaction left to roll back */
      }
      throw error;
    }
  }
}
