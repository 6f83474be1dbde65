using Microsoft.Extensions.Logging;

namespace MstGad.Datasets.Tests.Support;

/// <summary>A logger factory that keeps every entry at <see cref="LogLevel.Information"/> or above.</summary>
internal sealed class ListLoggerFactory : ILoggerFactory
{
    private readonly List<(string Category, LogLevel Level, int EventId, string Message)> _entries = [];

    public IReadOnlyList<(string Category, LogLevel Level, int EventId, string Message)> Entries
    {
        get
        {
            lock (_entries)
            {
                return [.. _entries];
            }
        }
    }

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(ListLoggerFactory owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            lock (owner._entries)
            {
                owner._entries.Add((category, logLevel, eventId.Id, formatter(state, exception)));
            }
        }
    }
}
