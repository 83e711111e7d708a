-- A streaming answer is flushed many times while it grows; re-indexing the whole row for search on
-- every flush made persistence cost O(n²) in the answer's length. Rows are indexed once they stop
-- streaming (complete, error, cancelled); a streaming row is never in the index.
-- Answers a crash left streaming are closed first, so every row in the index matches that rule.
UPDATE `messages` SET `status` = 'error', `error` = coalesce(`error`, 'interrupted: the hub stopped while this answer was streaming') WHERE `status` = 'streaming';
--> statement-breakpoint
DROP TRIGGER IF EXISTS `messages_fts_ai`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `messages_fts_ad`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `messages_fts_au`;
--> statement-breakpoint
CREATE TRIGGER `messages_fts_ai` AFTER INSERT ON `messages` WHEN new.status <> 'streaming' BEGIN
  INSERT INTO messages_fts(rowid, content, thinking) VALUES (new.rowid, new.content, new.thinking);
END;
--> statement-breakpoint
CREATE TRIGGER `messages_fts_ad` AFTER DELETE ON `messages` WHEN old.status <> 'streaming' BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, content, thinking) VALUES ('delete', old.rowid, old.content, old.thinking);
END;
--> statement-breakpoint
CREATE TRIGGER `messages_fts_au` AFTER UPDATE OF content, thinking, status ON `messages` BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, content, thinking) SELECT 'delete', old.rowid, old.content, old.thinking WHERE old.status <> 'streaming';
  INSERT INTO messages_fts(rowid, content, thinking) SELECT new.rowid, new.content, new.thinking WHERE new.status <> 'streaming';
END;
