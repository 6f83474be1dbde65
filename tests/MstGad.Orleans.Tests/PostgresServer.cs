using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace MstGad.Orleans.Tests;

/// <summary>
/// A throw-away PostgreSQL server in a temporary folder (Debian's packages: <c>.ci/run</c> installs them when
/// missing): initdb, started on a free local port, stopped and deleted on dispose. Run as the <c>postgres</c> user when
/// the tests run as root (PostgreSQL refuses root).
/// </summary>
internal sealed class PostgresServer : IAsyncDisposable
{
    private readonly string _folder;
    private readonly string _bin;
    private readonly bool _asPostgres;

    private PostgresServer(string folder, string bin, bool asPostgres, int port)
    {
        (_folder, _bin, _asPostgres) = (folder, bin, asPostgres);
        ConnectionString = $"Host=127.0.0.1;Port={port};Username=mstgad;Database=mstgad;Pooling=true";
    }

    public string ConnectionString { get; }

    public static async Task<PostgresServer> StartAsync()
    {
        var bin = FindBinaries();
        var asPostgres = Environment.UserName == "root";
        var folder = Path.Combine(Path.GetTempPath(), "mstgad-pg-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        if (asPostgres)
        {
            Run("chown", $"postgres {folder}", asPostgres: false);
        }

        var data = Path.Combine(folder, "data");
        Run(Path.Combine(bin, "initdb"), $"-D {data} -U mstgad --auth=trust -E UTF8 --no-locale", asPostgres);
        var port = Ports.Free();
        var server = new PostgresServer(folder, bin, asPostgres, port);
        Run(Path.Combine(bin, "pg_ctl"), $"-D {data} -l {Path.Combine(folder, "log")} -w -t 60 -o \"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off\" start", asPostgres);
        var admin = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = "postgres", Pooling = false }.ConnectionString;
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("CREATE DATABASE mstgad", connection);
            await command.ExecuteNonQueryAsync();
        }

        return server;
    }

    public async Task<long> CountRowsAsync(string table)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM {table}", connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    public ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        try
        {
            Run(Path.Combine(_bin, "pg_ctl"), $"-D {Path.Combine(_folder, "data")} -m immediate -w stop", _asPostgres);
        }
        finally
        {
            Directory.Delete(_folder, recursive: true);
        }

        return ValueTask.CompletedTask;
    }

    private static string FindBinaries()
    {
        var root = "/usr/lib/postgresql";
        var bin = Directory.Exists(root)
            ? Directory.GetDirectories(root).Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderByDescending(d => d, StringComparer.Ordinal).FirstOrDefault()
            : null;
        if (bin is null)
        {
            Assert.Fail("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): .ci/run installs Debian's postgresql package; or run apt-get install -y postgresql.");
        }

        return bin!;
    }


    private static void Run(string program, string arguments, bool asPostgres)
    {
        var start = asPostgres
            ? new ProcessStartInfo("runuser", $"-u postgres -- {program} {arguments}")
            : new ProcessStartInfo(program, arguments);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            Assert.Fail($"{program} {arguments} exited with {process.ExitCode}: {output.Result}{error.Result}");
        }
    }
}
