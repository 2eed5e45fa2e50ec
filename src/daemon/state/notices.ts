// The outbox and the inbox of the operator (docs/worktrain.md §2.4, §8.6, §10), in daemon.db: notices WorkTrain
// writes for the operator (`worktrain inbox`), messages the operator leaves for WorkTrain (`worktrain tell`), and a
// read cursor per reader. Text and data are redacted before they are stored.
import { type Redactor, redactValue } from '../redact.js';
import type { DaemonDb } from './daemon-db.js';

export interface Notice {
  readonly id: number;
  /** Epoch ms. */
  readonly ts: number;
  /** `session_completed`, `delivery_failed`, `item_escalated`, `triggers_reload_failed`. */
  readonly kind: string;
  readonly sessionId: string | null;
  readonly triggerId: string | null;
  readonly text: string;
  readonly data: { readonly [key: string]: unknown };
}

export interface NewNotice {
  readonly ts: number;
  readonly kind: string;
  readonly sessionId?: string | null;
  readonly triggerId?: string | null;
  readonly text: string;
  readonly data?: { readonly [key: string]: unknown };
}

export interface Message {
  readonly id: number;
  readonly ts: number;
  readonly text: string;
  readonly priority: boolean;
  /** A workspace name of config.json `workspaces`, when the message is about one. */
  readonly workspace: string | null;
}

export interface Outbox {
  addNotice(notice: NewNotice): Notice;
  /** Notices after the `inbox` cursor, oldest first. */
  unreadNotices(): Notice[];
  /** Moves the `inbox` cursor to `id` (never backwards). */
  markNoticesRead(id: number): void;
  addMessage(message: Omit<Message, 'id'>): Message;
  /** Messages after `afterId`, oldest first. */
  messagesAfter(afterId: number): Message[];
}

const INBOX = 'inbox';

interface NoticeRow {
  id: number;
  ts: number;
  kind: string;
  session_id: string | null;
  trigger_id: string | null;
  text: string;
  data: string;
}

interface MessageRow {
  id: number;
  ts: number;
  text: string;
  priority: number;
  workspace: string | null;
}

/** Creates the tables if needed; `redact` (the daemon's redactor, or one of the `.env` secrets) cleans what is stored. */
export function createOutbox(db: DaemonDb, redact: Redactor): Outbox {
  db.exec(`
    CREATE TABLE IF NOT EXISTS notices (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      ts INTEGER NOT NULL,
      kind TEXT NOT NULL,
      session_id TEXT,
      trigger_id TEXT,
      text TEXT NOT NULL,
      data TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS operator_messages (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      ts INTEGER NOT NULL,
      text TEXT NOT NULL,
      priority INTEGER NOT NULL,
      workspace TEXT
    );
    CREATE TABLE IF NOT EXISTS read_cursors (reader TEXT PRIMARY KEY, last_id INTEGER NOT NULL);
  `);
  const insertNotice = db.prepare(
    `INSERT INTO notices (ts, kind, session_id, trigger_id, text, data)
     VALUES (@ts, @kind, @sessionId, @triggerId, @text, @data)`,
  );
  const selectNotices = db.prepare<[string], NoticeRow>(
    `SELECT * FROM notices
     WHERE id > COALESCE((SELECT last_id FROM read_cursors WHERE reader = ?), 0) ORDER BY id`,
  );
  const moveCursor = db.prepare<[string, number]>(
    `INSERT INTO read_cursors (reader, last_id) VALUES (?, ?)
     ON CONFLICT (reader) DO UPDATE SET last_id = MAX(last_id, excluded.last_id)`,
  );
  const insertMessage = db.prepare(
    'INSERT INTO operator_messages (ts, text, priority, workspace) VALUES (@ts, @text, @priority, @workspace)',
  );
  const selectMessages = db.prepare<[number], MessageRow>('SELECT * FROM operator_messages WHERE id > ? ORDER BY id');

  return {
    addNotice(notice) {
      const stored = {
        ts: notice.ts,
        kind: notice.kind,
        sessionId: notice.sessionId ?? null,
        triggerId: notice.triggerId ?? null,
        text: redact(notice.text),
        data: redactValue(redact, notice.data ?? {}),
      };
      const id = Number(insertNotice.run({ ...stored, data: JSON.stringify(stored.data) }).lastInsertRowid);
      return { id, ...stored };
    },
    unreadNotices() {
      return selectNotices.all(INBOX).map((row) => ({
        id: row.id,
        ts: row.ts,
        kind: row.kind,
        sessionId: row.session_id,
        triggerId: row.trigger_id,
        text: row.text,
        data: JSON.parse(row.data) as Notice['data'],
      }));
    },
    markNoticesRead(id) {
      moveCursor.run(INBOX, id);
    },
    addMessage(message) {
      const stored = { ...message, text: redact(message.text) };
      const id = Number(
        insertMessage.run({ ...stored, priority: stored.priority ? 1 : 0, workspace: stored.workspace })
          .lastInsertRowid,
      );
      return { id, ...stored };
    },
    messagesAfter(afterId) {
      return selectMessages.all(afterId).map((row) => ({
        id: row.id,
        ts: row.ts,
        text: row.text,
        priority: row.priority === 1,
        workspace: row.workspace,
      }));
    },
  };
}
