-- Message search: posts.search_vector is a tsvector kept by PostgreSQL
-- itself (a generated column) with a GIN index. internal/store/
-- search_postgres.go writes the queries; SQLite's 0003_search.sql indexes
-- the same words the same way (FTS5, unicode61 remove_diacritics 2): keep
-- them alike. No extension is needed (unaccent would need CREATE rights on
-- the database and is not immutable, so it cannot feed a generated column).
--
-- What is indexed (docs/user.md, "Searching messages"):
--  * the message folded by ruche_fold (below: ligatures written out, Latin
--    accents removed) with every character that SQLite's tokenizer treats as
--    a separator (ASCII punctuation, Latin-1 and general punctuation,
--    special spaces, currency signs) turned into a space, then split into
--    words and lowercased by the 'simple' configuration. Turning punctuation
--    into spaces first keeps PostgreSQL's parser from indexing "co-op",
--    "example.com" or "3.14" as one word when SQLite indexes their parts.
--  * for a message with a hyphen, the same with the hyphens taken out, so
--    that "coop" and "email" find "co-op" and "e-mail". (Unlike SQLite's
--    separate column, the two texts are concatenated: a phrase made of the
--    message's last word and its first word would match across the join.)
--
-- Deleted posts have an empty message, hence an empty vector; queries also
-- check deleted_at.

-- ruche_fold maps the letters that SQLite's remove_diacritics 2 folds to
-- the same ASCII letter, and removes combining accents (text typed in
-- decomposed form). The list was made by asking SQLite how it folds every
-- letter of U+00C0-U+024F and U+1E00-U+1EFF. Queries fold their words with it
-- too. It uses only built-in functions, so it works whatever the search_path.
CREATE FUNCTION ruche_fold(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT regexp_replace(translate(
        replace(replace(replace(replace(replace(t, 'œ', 'oe'), 'Œ', 'OE'), 'æ', 'ae'), 'Æ', 'AE'), 'ß', 'ss'),
        'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöùúûüýÿĀāĂăĄąĆćĈĉĊ'
        || 'ċČčĎďĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĨĩĪīĬĭĮįİĴĵĶķĹĺĻļĽľŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚś'
        || 'ŜŝŞşŠšŢţŤťŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽžſƠơƯưǍǎǏǐǑǒǓǔǕǖǗǘǙǚǛǜǞǟǦǧǨǩǪǫǬǭ'
        || 'ǰǴǵǸǹǺǻȀȁȂȃȄȅȆȇȈȉȊȋȌȍȎȏȐȑȒȓȔȕȖȗȘșȚțȞȟȦȧȨȩȪȫȬȭȮȯȰȱȲȳḀḁḂḃḄḅḆḇḈḉḊḋḌ'
        || 'ḍḎḏḐḑḒḓḔḕḖḗḘḙḚḛḜḝḞḟḠḡḢḣḤḥḦḧḨḩḪḫḬḭḮḯḰḱḲḳḴḵḶḷḸḹḺḻḼḽḾḿṀṁṂṃṄṅṆṇṈṉṊṋṌ'
        || 'ṍṎṏṐṑṒṓṔṕṖṗṘṙṚṛṜṝṞṟṠṡṢṣṤṥṦṧṨṩṪṫṬṭṮṯṰṱṲṳṴṵṶṷṸṹṺṻṼṽṾṿẀẁẂẃẄẅẆẇẈẉẊẋẌ'
        || 'ẍẎẏẐẑẒẓẔẕẖẗẘẙẛẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐố'
        || 'ỒồỔổỖỗỘộỚớỜờỞởỠỡỢợỤụỦủỨứỪừỬửỮữỰựỲỳỴỵỶỷỸỹ',
        'aaaaaaceeeeiiiinooooouuuuyaaaaaaceeeeiiiinooooouuuuyyaaaaaaccccc'
        || 'cccddeeeeeeeeeegggggggghhiiiiiiiiijjkkllllllnnnnnnoooooorrrrrrss'
        || 'ssssssttttuuuuuuuuuuuuwwyyyzzzzzzsoouuaaiioouuuuuuuuuuaaggkkoooo'
        || 'jggnnaaaaaaeeeeiiiioooorrrruuuusstthhaaeeooooooooyyaabbbbbbccddd'
        || 'dddddddeeeeeeeeeeffgghhhhhhhhhhiiiikkkkkkllllllllmmmmmmnnnnnnnno'
        || 'ooooooopppprrrrrrrrssssssssssttttttttuuuuuuuuuuvvvvwwwwwwwwwwxxx'
        || 'xyyzzzzzzhtwysaaaaaaaaaaaaaaaaaaaaaaaaeeeeeeeeeeeeeeeeiiiioooooo'
        || 'oooooooooooooooooouuuuuuuuuuuuuuyyyyyyyy'),
        '[\u0300-\u036F]', '', 'g')
$$;

ALTER TABLE posts ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    to_tsvector('simple', regexp_replace(ruche_fold(message),
        '[!-/:-@\[-`{-~\u00A0-\u00A9\u00AB-\u00B1\u00B4\u00B6-\u00B8\u00BB\u00BF\u00D7\u00F7\u2000-\u2064\u206A-\u206F\u20A0-\u20B9\u3000\uFEFF]', ' ', 'g'))
    || CASE WHEN strpos(message, '-') > 0
        THEN to_tsvector('simple', regexp_replace(ruche_fold(replace(message, '-', '')),
            '[!-/:-@\[-`{-~\u00A0-\u00A9\u00AB-\u00B1\u00B4\u00B6-\u00B8\u00BB\u00BF\u00D7\u00F7\u2000-\u2064\u206A-\u206F\u20A0-\u20B9\u3000\uFEFF]', ' ', 'g'))
        ELSE ''::tsvector END
) STORED;

CREATE INDEX posts_search ON posts USING GIN (search_vector);
