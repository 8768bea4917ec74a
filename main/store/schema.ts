/**
 * The conversation database's schema, as numbered migrations tracked in SQLite's `user_version`: a newer app opens
 * an older file by running the missing steps, each in one transaction, and refuses a file from a newer app rather
 * than guessing at columns it does not know.
 *
 * Full-text search indexes a message once it stops streaming (triggers on `status`), so a reply arriving token by
 * token costs one row update per batch, not a re-index of the whole text each time.
 */
import type { Database } from 'better-sqlite3';
import { OmniError } from '../engine/errors';

/** Step n takes a file from user_version n to n + 1. Exported for the tests that build an older file. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    turn_id TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
    text TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('complete', 'streaming', 'interrupted', 'error')),
    attachments TEXT NOT NULL DEFAULT '[]',
    audio TEXT,
    heard_samples INTEGER,
    error TEXT,
    created_at INTEGER NOT NULL,
    UNIQUE (turn_id, role)
  );
  CREATE INDEX messages_by_conversation ON messages (conversation_id, created_at);
  CREATE INDEX conversations_by_update ON conversations (updated_at DESC);

  CREATE VIRTUAL TABLE messages_fts USING fts5 (
    text, content = 'messages', content_rowid = 'rowid', tokenize = 'unicode61 remove_diacritics 2'
  );
  CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages WHEN new.status <> 'streaming' BEGIN
    INSERT INTO messages_fts (rowid, text) VALUES (new.rowid, new.text);
  END;
  CREATE TRIGGER messages_fts_unindex AFTER UPDATE OF text, status ON messages WHEN old.status <> 'streaming' BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
  END;
  CREATE TRIGGER messages_fts_index AFTER UPDATE OF text, status ON messages WHEN new.status <> 'streaming' BEGIN
    INSERT INTO messages_fts (rowid, text) VALUES (new.rowid, new.text);
  END;
  CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages WHEN old.status <> 'streaming' BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
  END;
  `,
  // Who answers each conversation; every one before this was answered by the local model.
  `ALTER TABLE conversations ADD COLUMN backend TEXT NOT NULL DEFAULT 'local';`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function migrate(db: Database, file: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new OmniError(
      'INTERNAL',
      `${file} was written by a newer Omnidesk (schema ${version}; this version reads up to ${SCHEMA_VERSION})`,
      'Update Omnidesk, or move the file away to start with an empty history.',
    );
  }
  for (let step = version; step < SCHEMA_VERSION; step++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[step]);
      db.pragma(`user_version = ${step + 1}`);
    })();
  }
}
