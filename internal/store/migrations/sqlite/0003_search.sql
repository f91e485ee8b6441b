-- Message search: posts_fts is an FTS5 index over posts with external
-- content (the text is stored once, in posts), kept in step by the triggers
-- below. internal/store/search_sqlite.go writes the queries; PostgreSQL's
-- 0003_search.sql indexes the same words the same way: keep them alike.
--
-- What is indexed (docs/user.md, "Searching messages"):
--  * search_text: the message with the ligatures œ, æ and ß written out, so
--    that "oeuvre" finds "œuvre". The unicode61 tokenizer splits words at
--    anything that is not a letter or a digit ("co-op", "e-mail",
--    "Jean-Pierre" and "l'équipe" are indexed as their parts, so "jean" finds
--    "Jean-Pierre") and folds case and accents (remove_diacritics 2:
--    "deploiement" finds "déploiement" and the other way round).
--  * search_compounds: for a message with a hyphen, the same text with the
--    hyphens taken out, so that "coop" and "email" find "co-op" and "e-mail";
--    '' otherwise. A separate column, so that phrases never run from one
--    text into the other.
--
-- Both are virtual generated columns: computed, never stored, and FTS5's own
-- 'rebuild' and 'integrity-check' read them like any column.
--
-- Every row of posts is in the index, deleted posts too (deleting one
-- empties its message, so it has no words left): the triggers are the usual
-- ones for an external-content table, and FTS5's 'rebuild' and
-- 'integrity-check' agree with them. Queries also check deleted_at.
ALTER TABLE posts ADD COLUMN search_text TEXT GENERATED ALWAYS AS (
    replace(replace(replace(replace(replace(message, 'œ', 'oe'), 'Œ', 'OE'), 'æ', 'ae'), 'Æ', 'AE'), 'ß', 'ss')
) VIRTUAL;
ALTER TABLE posts ADD COLUMN search_compounds TEXT GENERATED ALWAYS AS (
    CASE WHEN instr(message, '-') > 0 THEN replace(search_text, '-', '') ELSE '' END
) VIRTUAL;

CREATE VIRTUAL TABLE posts_fts USING fts5 (
    search_text,
    search_compounds,
    content = 'posts',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts BEGIN
    INSERT INTO posts_fts (rowid, search_text, search_compounds)
    VALUES (new.id, new.search_text, new.search_compounds);
END;

-- An external-content index forgets a row when given the text it indexed.
CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts BEGIN
    INSERT INTO posts_fts (posts_fts, rowid, search_text, search_compounds)
    VALUES ('delete', old.id, old.search_text, old.search_compounds);
END;

-- Edits and deletions change message; other updates (reply counts on a
-- thread's root, pins) leave the index alone.
CREATE TRIGGER posts_fts_update AFTER UPDATE OF message ON posts BEGIN
    INSERT INTO posts_fts (posts_fts, rowid, search_text, search_compounds)
    VALUES ('delete', old.id, old.search_text, old.search_compounds);
    INSERT INTO posts_fts (rowid, search_text, search_compounds)
    VALUES (new.id, new.search_text, new.search_compounds);
END;

-- Posts written before this migration.
INSERT INTO posts_fts (posts_fts) VALUES ('rebuild');
