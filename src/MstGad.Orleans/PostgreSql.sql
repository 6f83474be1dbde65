-- MstGad's schema for Orleans' ADO.NET grain storage and clustering on PostgreSQL (MstGadPostgreSql.CreateSchemaAsync runs it).
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

-- Cluster membership for Orleans' ADO.NET clustering (silos and clients). Keys, parameters (DeploymentId, Address,
-- Port, Generation, SiloName, HostName, Status, ProxyPort, SuspectTimes, StartTime, IAmAliveTime, Version) and result
-- columns follow the provider's contract; the statements are MstGad's own. A table version row per deployment: every
-- change to a silo's row moves it up by one, only when the version the silo read is still current (the row is locked
-- first), and answers 1 when it did, 0 when another change came first.

CREATE TABLE IF NOT EXISTS mstgad_membership_version
(
    deployment_id varchar(150) NOT NULL PRIMARY KEY,
    changed_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS mstgad_membership
(
    deployment_id varchar(150) NOT NULL REFERENCES mstgad_membership_version (deployment_id),
    address varchar(45) NOT NULL,
    port integer NOT NULL,
    generation integer NOT NULL,
    silo_name varchar(150) NOT NULL,
    host_name varchar(150) NOT NULL,
    status integer NOT NULL,
    proxy_port integer,
    suspect_times varchar(8000),
    start_time timestamptz NOT NULL,
    i_am_alive_time timestamptz NOT NULL,
    PRIMARY KEY (deployment_id, address, port, generation)
);

DELETE FROM OrleansQuery WHERE QueryKey IN ('UpdateIAmAlivetimeKey', 'InsertMembershipVersionKey', 'InsertMembershipKey',
    'UpdateMembershipKey', 'MembershipReadRowKey', 'MembershipReadAllKey', 'DeleteMembershipTableEntriesKey',
    'GatewaysQueryKey', 'CleanupDefunctSiloEntriesKey');

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('UpdateIAmAlivetimeKey', '
UPDATE mstgad_membership SET i_am_alive_time = @IAmAliveTime
WHERE deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation
');

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('InsertMembershipVersionKey', '
WITH inserted AS (
    INSERT INTO mstgad_membership_version (deployment_id) VALUES (@DeploymentId) ON CONFLICT DO NOTHING RETURNING 1
)
SELECT count(*)::int FROM inserted
');

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('InsertMembershipKey', '
WITH cur AS (
    SELECT version FROM mstgad_membership_version WHERE deployment_id = @DeploymentId FOR UPDATE
), inserted AS (
    INSERT INTO mstgad_membership (deployment_id, address, port, generation, silo_name, host_name, status, proxy_port, start_time, i_am_alive_time)
    SELECT @DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort, @StartTime, @IAmAliveTime
    FROM cur WHERE cur.version = @Version
    ON CONFLICT DO NOTHING
    RETURNING 1
), moved AS (
    UPDATE mstgad_membership_version SET version = version + 1, changed_at = now()
    WHERE deployment_id = @DeploymentId AND EXISTS (SELECT 1 FROM inserted)
    RETURNING 1
)
SELECT count(*)::int FROM moved
');

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('UpdateMembershipKey', '
WITH cur AS (
    SELECT version FROM mstgad_membership_version WHERE deployment_id = @DeploymentId FOR UPDATE
), updated AS (
    UPDATE mstgad_membership SET status = @Status, suspect_times = @SuspectTimes, i_am_alive_time = @IAmAliveTime
    WHERE deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation
      AND EXISTS (SELECT 1 FROM cur WHERE cur.version = @Version)
    RETURNING 1
), moved AS (
    UPDATE mstgad_membership_version SET version = version + 1, changed_at = now()
    WHERE deployment_id = @DeploymentId AND EXISTS (SELECT 1 FROM updated)
    RETURNING 1
)
SELECT count(*)::int FROM moved
');

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('MembershipReadRowKey', '
SELECT v.deployment_id AS "DeploymentId", m.address AS "Address", m.port AS "Port", m.generation AS "Generation",
       m.silo_name AS "SiloName", m.host_name AS "HostName", m.status AS "Status", m.proxy_port AS "ProxyPort",
       m.suspect_times AS "SuspectTimes", m.start_time AS "StartTime", m.i_am_alive_time AS "IAmAliveTime", v.version AS "Version"
FROM mstgad_membership_version v
LEFT JOIN mstgad_membership m ON m.deployment_id = v.deployment_id
    AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
WHERE v.deployment_id = @DeploymentId
');

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('MembershipReadAllKey', '
SELECT v.deployment_id AS "DeploymentId", m.address AS "Address", m.port AS "Port", m.generation AS "Generation",
       m.silo_name AS "SiloName", m.host_name AS "HostName", m.status AS "Status", m.proxy_port AS "ProxyPort",
       m.suspect_times AS "SuspectTimes", m.start_time AS "StartTime", m.i_am_alive_time AS "IAmAliveTime", v.version AS "Version"
FROM mstgad_membership_version v
LEFT JOIN mstgad_membership m ON m.deployment_id = v.deployment_id
WHERE v.deployment_id = @DeploymentId
');

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('DeleteMembershipTableEntriesKey', '
DELETE FROM mstgad_membership WHERE deployment_id = @DeploymentId;
DELETE FROM mstgad_membership_version WHERE deployment_id = @DeploymentId;
');

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('GatewaysQueryKey', '
SELECT address AS "Address", proxy_port AS "ProxyPort", generation AS "Generation"
FROM mstgad_membership
WHERE deployment_id = @DeploymentId AND status = @Status AND proxy_port > 0
');

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('CleanupDefunctSiloEntriesKey', '
DELETE FROM mstgad_membership
WHERE deployment_id = @DeploymentId AND i_am_alive_time < @IAmAliveTime AND status <> 3
');

-- The model store in the database (PostgreSqlModelStore): every version of every system's artifact.
CREATE TABLE IF NOT EXISTS mstgad_models
(
    system varchar(256) NOT NULL,
    version varchar(256) NOT NULL,
    artifact bytea NOT NULL,
    stored_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (system, version)
);
