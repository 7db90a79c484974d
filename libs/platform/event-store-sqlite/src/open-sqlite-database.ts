import { DatabaseSync } from 'node:sqlite';

/**
 * Opens a connection with the durability settings every Ringback SQLite table relies on: WAL so
 * readers in other processes never block the writer, and synchronous=FULL so a commit is fsynced
 * before it returns (an acknowledged append survives a crash or SIGKILL). Writers queue on the file
 * lock for up to `busyTimeoutMs` instead of failing with SQLITE_BUSY.
 */
export function openSqliteDatabase(path: string, busyTimeoutMs = 5_000): DatabaseSync {
  const db = new DatabaseSync(path, { timeout: busyTimeoutMs });
  try {
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = FULL');
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}
