namespace MstGad.Orleans;

/// <summary>What a monitored system's grain keeps in grain storage: its detector's newest checkpoint and the counts
/// that go with it, written together.</summary>
[GenerateSerializer]
[Alias("MstGad.Orleans.MonitoredSystemState")]
internal sealed class MonitoredSystemState
{
    /// <summary>The model version the checkpoint was made with.</summary>
    [Id(0)] public string? ModelVersion { get; set; }

    /// <summary>The online detector's checkpoint (<see cref="OnlineDetector.SaveCheckpoint(Stream)"/>).</summary>
    [Id(1)] public byte[]? Checkpoint { get; set; }

    /// <summary>Per sender, the next delivery expected: every one below is in the checkpoint.</summary>
    [Id(2)] public Dictionary<string, long> Expected { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Records pushed, by push result.</summary>
    [Id(3)] public Dictionary<string, long> Pushed { get; set; } = new(StringComparer.Ordinal);

    [Id(4)] public Tally Accepted { get; set; }

    [Id(5)] public Tally Duplicates { get; set; }

    [Id(6)] public Tally Gaps { get; set; }

    [Id(7)] public Tally Resent { get; set; }

    [Id(8)] public long Checkpoints { get; set; }

    [Id(9)] public DateTimeOffset? LastCheckpointWatermark { get; set; }

    [Id(10)] public long Restores { get; set; }

    [Id(11)] public long UncleanRestores { get; set; }

    [Id(12)] public long RollOuts { get; set; }

    /// <summary>Whether an activation is running from this state: still set when the next activation reads it, the
    /// last one ended without its final checkpoint (its silo was lost).</summary>
    [Id(13)] public bool Open { get; set; }

    /// <summary>The subscribed observers, when each last subscribed, and the steps each has not yet taken: a new
    /// activation tells them too.</summary>
    [Id(14)] public Dictionary<ISystemVerdictObserver, ObserverState> Observers { get; set; } = [];

    /// <summary>The model version being rolled out (running beside the live one until it has a whole window).</summary>
    [Id(15)] public string? RollingOutTo { get; set; }

    /// <summary>A copy that shares nothing changeable with this one.</summary>
    public MonitoredSystemState Copy()
    {
        var copy = (MonitoredSystemState)MemberwiseClone();
        copy.Expected = new(Expected, StringComparer.Ordinal);
        copy.Pushed = new(Pushed, StringComparer.Ordinal);
        copy.Observers = new(Observers);
        return copy;
    }
}
