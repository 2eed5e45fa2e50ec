// A 24-bit dedupe hash (issue 4: <= 1 KB of database growth per step): the index is per session since schema 10, so a
// session of 50 000 events still finds a false candidate for one probe in 300 (the writer and findAdvance compare the
// key itself), and the hash takes 3 bytes instead of 6 in each row and each index entry. The new hash is the first 24
// bits of the old one, as a signed integer (`dedupeHash`); the index is rebuilt by the update.
export const version = 15;

export const sql = `
UPDATE events SET dedupe_hash = CASE WHEN dedupe_hash >> 47 = 1 THEN (dedupe_hash >> 24) - 16777216
                                    ELSE dedupe_hash >> 24 END
  WHERE dedupe_hash IS NOT NULL;
`;
