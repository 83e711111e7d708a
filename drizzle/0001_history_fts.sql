-- Full-text index over message text for history_search (FTS5, external content: no second copy).
CREATE VIRTUAL TABLE `messages_fts` USING fts5(content, thinking, content='messages', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2');
--> statement-breakpoint
CREATE TRIGGER `messages_fts_ai` AFTER INSERT ON `messages` BEGIN
  INSERT INTO messages_fts(rowid, content, thinking) VALUES (new.rowid, new.content, new.thinking);
END;
--> statement-breakpoint
CREATE TRIGGER `messages_fts_ad` AFTER DELETE ON `messages` BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, content, thinking) VALUES ('delete', old.rowid, old.content, old.thinking);
END;
--> statement-breakpoint
CREATE TRIGGER `messages_fts_au` AFTER UPDATE OF content, thinking ON `messages` BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, content, thinking) VALUES ('delete', old.rowid, old.content, old.thinking);
  INSERT INTO messages_fts(rowid, content, thinking) VALUES (new.rowid, new.content, new.thinking);
END;
