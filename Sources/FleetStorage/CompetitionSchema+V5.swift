/// Migration `v5-arena` (registered after `v4-compact-results`): a run may be scored in an
/// arena file stored with it (`fleet run create --arena`), byte for byte under its SHA-256
/// like its rulebook. Existing runs get no arena: they are scored, as before, in the arena
/// generated from their division and seed.
extension CompetitionSchema {
    static let v5 = """
        CREATE TABLE arena (
            hash TEXT PRIMARY KEY,
            bytes BLOB NOT NULL,
            added_ns INTEGER NOT NULL
        ) WITHOUT ROWID;

        ALTER TABLE run ADD COLUMN arena_hash TEXT REFERENCES arena(hash);
        """
}
