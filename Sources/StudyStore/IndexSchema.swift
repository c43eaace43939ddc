import GRDB

/// The index schema, as GRDB migrations: each migration runs once, in order, in a transaction,
/// and is recorded in `grdb_migrations`, so an index written by an older Sixray is upgraded
/// in place. Add a new migration for every change; never edit a released one.
enum IndexSchema {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1: patients, studies, series, instances, keywords, leases") { db in
            try db.execute(sql: """
                CREATE TABLE patients (
                    id INTEGER PRIMARY KEY,
                    patient_id TEXT NOT NULL,
                    issuer TEXT NOT NULL DEFAULT '',
                    -- patients without a Patient ID are told apart by name and birth date
                    anonymous_key TEXT NOT NULL DEFAULT '',
                    name TEXT NOT NULL DEFAULT '',
                    name_key TEXT NOT NULL DEFAULT '',
                    birth_date TEXT NOT NULL DEFAULT '',
                    sex TEXT NOT NULL DEFAULT '',
                    UNIQUE (patient_id, issuer, anonymous_key)
                );
                CREATE INDEX patients_name_key ON patients(name_key);

                -- Other identifiers of a patient: 'other' from Other Patient IDs in the files,
                -- 'attached' when a study from outside was attached to this patient.
                CREATE TABLE patient_ids (
                    patient_ref INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
                    other_id TEXT NOT NULL,
                    issuer TEXT NOT NULL DEFAULT '',
                    origin TEXT NOT NULL,
                    PRIMARY KEY (patient_ref, other_id, issuer)
                ) WITHOUT ROWID;
                CREATE INDEX patient_ids_other ON patient_ids(other_id);

                CREATE TABLE studies (
                    uid TEXT PRIMARY KEY NOT NULL,
                    patient_ref INTEGER NOT NULL REFERENCES patients(id),
                    -- identifiers as the files carry them (they differ after reconciliation)
                    original_patient_id TEXT NOT NULL DEFAULT '',
                    original_issuer TEXT NOT NULL DEFAULT '',
                    original_patient_name TEXT NOT NULL DEFAULT '',
                    study_date TEXT NOT NULL DEFAULT '',
                    study_time TEXT NOT NULL DEFAULT '',
                    description TEXT NOT NULL DEFAULT '',
                    accession TEXT NOT NULL DEFAULT '',
                    study_id TEXT NOT NULL DEFAULT '',
                    referring_physician TEXT NOT NULL DEFAULT '',
                    institution TEXT NOT NULL DEFAULT '',
                    modalities TEXT NOT NULL DEFAULT '',
                    body_parts TEXT NOT NULL DEFAULT '',
                    num_series INTEGER NOT NULL DEFAULT 0,
                    num_instances INTEGER NOT NULL DEFAULT 0,
                    size_bytes INTEGER NOT NULL DEFAULT 0,
                    source TEXT NOT NULL DEFAULT '',
                    state TEXT NOT NULL DEFAULT 'complete',
                    added_at REAL NOT NULL,
                    last_access REAL NOT NULL,
                    pinned INTEGER NOT NULL DEFAULT 0,
                    is_read INTEGER NOT NULL DEFAULT 0,
                    note TEXT NOT NULL DEFAULT ''
                );
                CREATE INDEX studies_date ON studies(study_date, study_time);
                CREATE INDEX studies_patient ON studies(patient_ref);
                CREATE INDEX studies_accession ON studies(accession);
                CREATE INDEX studies_last_access ON studies(last_access);

                CREATE TABLE study_keywords (
                    study_uid TEXT NOT NULL REFERENCES studies(uid) ON DELETE CASCADE,
                    keyword TEXT NOT NULL,
                    PRIMARY KEY (study_uid, keyword)
                ) WITHOUT ROWID;
                CREATE INDEX study_keywords_keyword ON study_keywords(keyword);

                CREATE TABLE series (
                    uid TEXT PRIMARY KEY NOT NULL,
                    study_uid TEXT NOT NULL REFERENCES studies(uid) ON DELETE CASCADE,
                    number INTEGER,
                    modality TEXT NOT NULL DEFAULT '',
                    body_part TEXT NOT NULL DEFAULT '',
                    description TEXT NOT NULL DEFAULT '',
                    num_instances INTEGER NOT NULL DEFAULT 0,
                    size_bytes INTEGER NOT NULL DEFAULT 0
                );
                CREATE INDEX series_study ON series(study_uid);

                CREATE TABLE instances (
                    sop_uid TEXT PRIMARY KEY NOT NULL,
                    series_uid TEXT NOT NULL REFERENCES series(uid) ON DELETE CASCADE,
                    study_uid TEXT NOT NULL,
                    sop_class TEXT NOT NULL DEFAULT '',
                    number INTEGER,
                    frames INTEGER NOT NULL DEFAULT 1,
                    transfer_syntax TEXT NOT NULL DEFAULT '',
                    size_bytes INTEGER NOT NULL,
                    path TEXT NOT NULL,
                    added_at REAL NOT NULL
                );
                CREATE INDEX instances_series ON instances(series_uid, number);
                CREATE INDEX instances_study ON instances(study_uid);

                -- "In use" leases: a study open in a viewer is never evicted while the
                -- process that holds the lease lives (pid + start time against reuse).
                CREATE TABLE leases (
                    id INTEGER PRIMARY KEY,
                    study_uid TEXT NOT NULL,
                    pid INTEGER NOT NULL,
                    start_time INTEGER NOT NULL,
                    acquired_at REAL NOT NULL
                );
                CREATE INDEX leases_study ON leases(study_uid);
                """)
        }
        m.registerMigration("v2: index on the studies' original Patient IDs") { db in
            try db.execute(sql: "CREATE INDEX studies_original_patient ON studies(original_patient_id)")
        }
        m.registerMigration("v3: search_key for the worklist's free-text filter, kept by triggers") { db in
            // Accession, description, note and keywords in one upper-case (ASCII, as SQLite's
            // upper()) column, so a free-text filter is one instr() per study instead of a LIKE
            // per column.
            let key = """
                upper(accession || char(9) || description || char(9) || note || char(9) ||
                      coalesce((SELECT group_concat(keyword, char(9)) FROM study_keywords k WHERE k.study_uid = studies.uid), ''))
                """
            try db.execute(sql: """
                ALTER TABLE studies ADD COLUMN search_key TEXT NOT NULL DEFAULT '';
                UPDATE studies SET search_key = \(key);
                CREATE TRIGGER studies_search_insert AFTER INSERT ON studies BEGIN
                    UPDATE studies SET search_key = \(key) WHERE uid = NEW.uid;
                END;
                CREATE TRIGGER studies_search_update AFTER UPDATE OF accession, description, note ON studies BEGIN
                    UPDATE studies SET search_key = \(key) WHERE uid = NEW.uid;
                END;
                CREATE TRIGGER keywords_search_insert AFTER INSERT ON study_keywords BEGIN
                    UPDATE studies SET search_key = \(key) WHERE uid = NEW.study_uid;
                END;
                CREATE TRIGGER keywords_search_delete AFTER DELETE ON study_keywords BEGIN
                    UPDATE studies SET search_key = \(key) WHERE uid = OLD.study_uid;
                END;
                """)
        }
        m.registerMigration("v4: confidential studies (local flag and Confidentiality Code)") { db in
            // confidentiality_code: Confidentiality Code (0040,1008) of the study's files,
            // matched against [privacy] confidential_codes at query time; confidential: the
            // local flag of `sixray cache mark --confidential`.
            try db.execute(sql: """
                ALTER TABLE studies ADD COLUMN confidential INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE studies ADD COLUMN confidentiality_code TEXT NOT NULL DEFAULT '';
                """)
        }
        return m
    }
}
