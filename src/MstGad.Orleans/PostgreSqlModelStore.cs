using Npgsql;

namespace MstGad.Orleans;

/// <summary>
/// A model store in PostgreSQL (the <c>mstgad_models</c> table of <see cref="MstGadPostgreSql.CreateSchemaAsync"/>):
/// every version of every system's artifact, the newest version of a system being the greatest name in ordinal
/// order (as <see cref="FolderModelStore"/>). For clusters whose silos share a database but no folder.
/// </summary>
public sealed class PostgreSqlModelStore : IMstGadModelStore
{
    private readonly string _connectionString;

    /// <summary>Creates a store reading the database of <paramref name="connectionString"/>.</summary>
    /// <param name="connectionString">The database's connection string.</param>
    public PostgreSqlModelStore(string connectionString)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        _connectionString = connectionString;
    }

    /// <inheritdoc/>
    public ValueTask<ModelVersion?> GetNewestAsync(string system, CancellationToken cancellationToken = default) =>
        FindAsync(system, "SELECT version FROM mstgad_models WHERE system = @system ORDER BY version COLLATE \"C\" DESC LIMIT 1", null, cancellationToken);

    /// <inheritdoc/>
    public ValueTask<ModelVersion?> GetAsync(string system, string version, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(version);
        return FindAsync(system, "SELECT version FROM mstgad_models WHERE system = @system AND version = @version", version, cancellationToken);
    }

    /// <summary>Stores a version of a system's model (replacing one of the same name).</summary>
    /// <param name="system">The system.</param>
    /// <param name="version">The version's name.</param>
    /// <param name="detector">The trained detector.</param>
    /// <param name="cancellationToken">Cancels it.</param>
    /// <returns>A task.</returns>
    public async Task PutAsync(string system, string version, Detector detector, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(system);
        ArgumentException.ThrowIfNullOrEmpty(version);
        ArgumentNullException.ThrowIfNull(detector);
        using var buffer = new MemoryStream();
        detector.Save(buffer);
        var connection = new NpgsqlConnection(_connectionString);
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var command = new NpgsqlCommand(
                "INSERT INTO mstgad_models (system, version, artifact) VALUES (@system, @version, @artifact) " +
                "ON CONFLICT (system, version) DO UPDATE SET artifact = excluded.artifact, stored_at = now()", connection);
            await using (command.ConfigureAwait(false))
            {
                command.Parameters.AddWithValue("system", system);
                command.Parameters.AddWithValue("version", version);
                command.Parameters.AddWithValue("artifact", buffer.ToArray());
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async ValueTask<ModelVersion?> FindAsync(string system, string sql, string? version, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(system);
        var connection = new NpgsqlConnection(_connectionString);
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var command = new NpgsqlCommand(sql, connection);
            await using (command.ConfigureAwait(false))
            {
                command.Parameters.AddWithValue("system", system);
                if (version is not null)
                {
                    command.Parameters.AddWithValue("version", version);
                }

                if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not string found)
                {
                    return null;
                }

                return new ModelVersion(system, found, () => Open(system, found));
            }
        }
    }

    private MemoryStream Open(string system, string version)
    {
        using var connection = new NpgsqlConnection(_connectionString);
        connection.Open();
        using var command = new NpgsqlCommand("SELECT artifact FROM mstgad_models WHERE system = @system AND version = @version", connection);
        command.Parameters.AddWithValue("system", system);
        command.Parameters.AddWithValue("version", version);
        var bytes = command.ExecuteScalar() as byte[]
            ?? throw new InvalidOperationException($"System '{system}': model version '{version}' is no longer in the database.");
        return new MemoryStream(bytes, writable: false);
    }
}
