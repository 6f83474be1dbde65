-- MstGad's schema for Orleans' ADO.NET grain storage on PostgreSQL (MstGadPostgreSql.CreateSchemaAsync runs it).
-- The provider reads the statements it runs from OrleansQuery by key, with the parameter and column names of its
-- contract (GrainIdN0, GrainIdN1, GrainTypeString, GrainIdExtensionString, ServiceId, GrainStateVersion,
-- PayloadBinary; PayloadBinary, Version and NewGrainStateVersion back). These are MstGad's own statements: one row per
-- grain and service, its version an integer that each write moves up by one; a write with a stale version changes
-- nothing and returns that version, which the provider reports as a conflict.

CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey varchar(64) NOT NULL PRIMARY KEY,
    QueryText varchar(8000) NOT NULL
);

CREATE TABLE IF NOT EXISTS mstgad_grain_state
(
    service_id varchar(150) NOT NULL,
    grain_type varchar(512) NOT NULL,
    grain_n0 bigint NOT NULL,
    grain_n1 bigint NOT NULL,
    grain_key varchar(512) NOT NULL,
    payload bytea,
    version integer NOT NULL,
    modified_utc timestamp without time zone NOT NULL,
    PRIMARY KEY (service_id, grain_type, grain_n0, grain_n1, grain_key)
);

DELETE FROM OrleansQuery WHERE QueryKey IN ('WriteToStorageKey', 'ReadFromStorageKey', 'ClearStorageKey', 'DeleteStorageKey');

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadFromStorageKey', '
SELECT payload AS "PayloadBinary", version AS "Version"
FROM mstgad_grain_state
WHERE service_id = @ServiceId AND grain_type = @GrainTypeString AND grain_n0 = @GrainIdN0 AND grain_n1 = @GrainIdN1
  AND grain_key = coalesce(@GrainIdExtensionString, '''')
');

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('WriteToStorageKey', '
WITH updated AS (
    UPDATE mstgad_grain_state
    SET payload = @PayloadBinary, version = version + 1, modified_utc = (now() at time zone ''utc'')
    WHERE service_id = @ServiceId AND grain_type = @GrainTypeString AND grain_n0 = @GrainIdN0 AND grain_n1 = @GrainIdN1
      AND grain_key = coalesce(@GrainIdExtensionString, '''')
      AND version = @GrainStateVersion
    RETURNING version
), inserted AS (
    INSERT INTO mstgad_grain_state (service_id, grain_type, grain_n0, grain_n1, grain_key, payload, version, modified_utc)
    SELECT @ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, coalesce(@GrainIdExtensionString, ''''), @PayloadBinary, 1, (now() at time zone ''utc'')
    WHERE @GrainStateVersion IS NULL
    ON CONFLICT DO NOTHING
    RETURNING version
)
SELECT coalesce((SELECT version FROM updated), (SELECT version FROM inserted), @GrainStateVersion) AS "NewGrainStateVersion"
');

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ClearStorageKey', '
UPDATE mstgad_grain_state
SET payload = NULL, version = version + 1, modified_utc = (now() at time zone ''utc'')
WHERE service_id = @ServiceId AND grain_type = @GrainTypeString AND grain_n0 = @GrainIdN0 AND grain_n1 = @GrainIdN1
  AND grain_key = coalesce(@GrainIdExtensionString, '''')
  AND version = @GrainStateVersion
RETURNING version AS "NewGrainStateVersion"
');

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('DeleteStorageKey', '
DELETE FROM mstgad_grain_state
WHERE service_id = @ServiceId AND grain_type = @GrainTypeString AND grain_n0 = @GrainIdN0 AND grain_n1 = @GrainIdN1
  AND grain_key = coalesce(@GrainIdExtensionString, '''')
  AND version = @GrainStateVersion
RETURNING version + 1 AS "NewGrainStateVersion"
');
