using Npgsql;

namespace MstGad.Orleans;

/// <summary>PostgreSQL for the systems' checkpoints: the ADO.NET invariant Orleans uses for it, and MstGad's schema.</summary>
public static class MstGadPostgreSql
{
    /// <summary>The ADO.NET invariant name of Npgsql, as Orleans' ADO.NET providers know it.</summary>
    public const string Invariant = "Npgsql";

    /// <summary>The schema's SQL (tables and the statements the grain storage runs); safe to run again.</summary>
    public static string SchemaSql { get; } = ReadSchema();

    /// <summary>Creates (or updates) MstGad's grain-storage schema in a database.</summary>
    /// <param name="connectionString">The database's connection string (a role that may create tables).</param>
    /// <param name="cancellationToken">Cancels it.</param>
    /// <returns>A task.</returns>
    public static async Task CreateSchemaAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        var connection = new NpgsqlConnection(connectionString);
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var command = new NpgsqlCommand(SchemaSql, connection);
            await using (command.ConfigureAwait(false))
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static string ReadSchema()
    {
        using var stream = typeof(MstGadPostgreSql).Assembly.GetManifestResourceStream("MstGad.Orleans.PostgreSql.sql")
            ?? throw new InvalidOperationException("MstGad.Orleans is missing its PostgreSQL schema resource.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
