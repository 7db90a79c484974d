import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { CheckpointStore } from '@ringback/platform-core';
import { openSqliteDatabase } from './open-sqlite-database';

/**
 * Processor checkpoints in a SQLite table, normally in the same file as the events
 * (`new SqliteCheckpointStore(eventStore.database)`), so a processor writing to that database can
 * move its checkpoint in the same transaction as its own writes. Given a path instead, it opens
 * (and on close() closes) its own connection.
 *
 * Positions are stored as INTEGER, i.e. signed 64-bit: enough for SQLite and KurrentDB positions.
 */
export class SqliteCheckpointStore implements CheckpointStore {
  private readonly database: DatabaseSync;
  private readonly ownsDatabase: boolean;
  private readonly loadStatement: StatementSync;
  private readonly saveStatement: StatementSync;

  constructor(source: DatabaseSync | { path: string }) {
    this.ownsDatabase = !(source instanceof DatabaseSync);
    this.database = source instanceof DatabaseSync ? source : openSqliteDatabase(source.path);
    this.database.exec(`
      CREATE TABLE IF NOT EXISTS checkpoints (
        processor_id TEXT    PRIMARY KEY,
        position     INTEGER NOT NULL,
        updated_at   TEXT    NOT NULL
      )
    `);
    this.loadStatement = this.database.prepare('SELECT position FROM checkpoints WHERE processor_id = ?');
    this.loadStatement.setReadBigInts(true);
    this.saveStatement = this.database.prepare(
      `INSERT INTO checkpoints (processor_id, position, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (processor_id) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
    );
  }

  async load(processorId: string): Promise<bigint | null> {
    const row = this.loadStatement.get(processorId) as { position: bigint } | undefined;
    return row ? row.position : null;
  }

  async save(processorId: string, position: bigint): Promise<void> {
    if (position < 0n || position > 0x7fff_ffff_ffff_ffffn)
      throw new RangeError(`checkpoint position out of range: ${position}`);
    this.saveStatement.run(processorId, position, new Date().toISOString());
  }

  /** Closes the connection if this store opened it; a shared connection belongs to its owner. */
  async close(): Promise<void> {
    if (this.ownsDatabase && this.database.isOpen) this.database.close();
  }
}
