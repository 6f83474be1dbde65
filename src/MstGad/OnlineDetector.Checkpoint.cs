using System.Text;
using MstGad.Features;
using MstGad.Parsing;

namespace MstGad;

public sealed partial class OnlineDetector
{
    /// <summary>The checkpoint format version written by <see cref="SaveCheckpoint(Stream)"/>.</summary>
    public const int CheckpointVersion = 1;

    private static readonly string[] CheckpointSections = ["online", "drain", "aggregator", "windows"];

    private static ReadOnlySpan<byte> CheckpointMagic => "MSTGAD-CHECKPNT1"u8;

    /// <summary>
    /// Writes the whole state (open steps, remembered span ids, waiting children, instances, the log parser,
    /// the last k steps of features, counters) as one versioned file with checksummed sections. Steps already
    /// closed are scored and published first, so every record pushed before the call is either in a published
    /// step or in the checkpoint, never both.
    /// </summary>
    /// <param name="stream">A writable stream; not closed.</param>
    /// <exception cref="ObjectDisposedException">After <see cref="Dispose"/>.</exception>
    public void SaveCheckpoint(Stream stream) => SaveCheckpoint(stream, ReadOnlyMemory<byte>.Empty);

    /// <summary>
    /// Writes the whole state as <see cref="SaveCheckpoint(Stream)"/> does, together with bytes of the application's own
    /// in the same checksummed file, so that both describe the same moment — for example which deliveries of a sender
    /// the state includes, so that a client re-sends exactly the others after a restart.
    /// </summary>
    /// <param name="stream">A writable stream; not closed.</param>
    /// <param name="attachment">The application's bytes, returned as they are by <see cref="Restore(Detector, Stream, OnlineDetectorOptions?, out ReadOnlyMemory{byte})"/>.</param>
    /// <exception cref="ObjectDisposedException">After <see cref="Dispose"/>.</exception>
    public void SaveCheckpoint(Stream stream, ReadOnlyMemory<byte> attachment)
    {
        ArgumentNullException.ThrowIfNull(stream);
        lock (_scoring)
        {
            while (true)
            {
                lock (_gate)
                {
                    ObjectDisposedException.ThrowIf(_disposed, this);
                    if (_closed.Count == 0)
                    {
                        List<(string, byte[])> sections =
                        [
                            ("online", Write(WriteOnline)),
                            ("drain", SectionFile.Bytes(_aggregator.LogParser.Save)),
                            ("aggregator", Write(_aggregator.WriteState)),
                            ("windows", Write(WriteWindows)),
                            ("scores", Write(_windows.History.Write)),
                        ];
                        if (_windows.Steps.Any(s => s.Templates is not null))
                        {
                            sections.Add(("templates", Write(WriteTemplates)));
                        }

                        if (!attachment.IsEmpty)
                        {
                            sections.Add(("attachment", attachment.ToArray()));
                        }

                        SectionFile.Write(stream, CheckpointMagic, CheckpointVersion, sections);
                        return;
                    }
                }

                ScoreClosedSteps();
            }
        }
    }

    /// <summary>Saves a checkpoint to a file (written to a temporary file first, then moved into place).</summary>
    /// <param name="path">The file path.</param>
    public void SaveCheckpoint(string path) => SaveCheckpoint(path, ReadOnlyMemory<byte>.Empty);

    /// <summary>Saves a checkpoint with the application's bytes to a file (written to a temporary file first, then moved into place).</summary>
    /// <param name="path">The file path.</param>
    /// <param name="attachment">The application's bytes (see <see cref="SaveCheckpoint(Stream, ReadOnlyMemory{byte})"/>).</param>
    public void SaveCheckpoint(string path, ReadOnlyMemory<byte> attachment)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        SectionFile.WriteFile(path, stream => SaveCheckpoint(stream, attachment));
    }

    /// <summary>Continues online detection from a checkpoint written by <see cref="SaveCheckpoint(Stream)"/>.</summary>
    /// <param name="detector">The detector the checkpoint was made with (checked by a fingerprint of what it learnt).</param>
    /// <param name="stream">A readable stream; not closed.</param>
    /// <param name="options">Settings; <see langword="null"/> for those saved in the checkpoint (with the system clock and no logging).</param>
    /// <returns>The online detector, exactly where the saved one stood.</returns>
    /// <exception cref="InvalidDataException">Not a checkpoint, an unsupported version, truncated, corrupt, or made with another detector.</exception>
    public static OnlineDetector Restore(Detector detector, Stream stream, OnlineDetectorOptions? options = null) =>
        Restore(detector, stream, options, out _);

    /// <summary>Continues online detection from a checkpoint and returns the application's bytes saved with it.</summary>
    /// <param name="detector">The detector the checkpoint was made with (checked by a fingerprint of what it learnt).</param>
    /// <param name="stream">A readable stream; not closed.</param>
    /// <param name="options">Settings; <see langword="null"/> for those saved in the checkpoint (with the system clock and no logging).</param>
    /// <param name="attachment">The bytes given to <see cref="SaveCheckpoint(Stream, ReadOnlyMemory{byte})"/>; empty when none were.</param>
    /// <returns>The online detector, exactly where the saved one stood.</returns>
    /// <exception cref="InvalidDataException">Not a checkpoint, an unsupported version, truncated, corrupt, or made with another detector.</exception>
    public static OnlineDetector Restore(Detector detector, Stream stream, OnlineDetectorOptions? options, out ReadOnlyMemory<byte> attachment)
    {
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(stream);
        var sections = SectionFile.Read(stream, CheckpointMagic, CheckpointVersion, "online checkpoint", "MstGad checkpoint", CheckpointSections);
        attachment = sections.TryGetValue("attachment", out var attached) ? attached : ReadOnlyMemory<byte>.Empty;
        try
        {
            using var online = Reader(sections["online"]);
            if (online.ReadUInt64() != detector.Fingerprint())
            {
                throw new InvalidDataException("MstGad checkpoint was made with another detector (what it learnt differs): restore it with the detector that made it.");
            }

            var saved = new OnlineDetectorOptions
            {
                Lateness = TimeSpan.FromTicks(online.ReadInt64()),
                SpanRetention = TimeSpan.FromTicks(online.ReadInt64()),
                MaxClockSkew = online.ReadInt64() is var skew and >= 0 ? TimeSpan.FromTicks(skew) : null,
                VerdictBufferCapacity = online.ReadInt32(),
            };
            var parser = DrainParser.Load(new MemoryStream(sections["drain"], writable: false));
            using var aggregatorState = Reader(sections["aggregator"]);
            var result = new OnlineDetector(detector, options ?? saved, (features, limits) => TelemetryAggregator.ReadState(aggregatorState, features, parser, limits));
            result._watermarkTicks = online.ReadInt64();
            result._firstStep = online.ReadInt64();
            result._metricsAhead = online.ReadInt64();
            result._logsAhead = online.ReadInt64();
            result._spansAhead = online.ReadInt64();
            result._stepsClosed = online.ReadInt64();
            result._stepsScored = online.ReadInt64();
            result._verdicts = online.ReadInt64();
            result._stepsDropped = online.ReadInt64();
            using var windows = Reader(sections["windows"]);
            var steps = new List<StepFeatures>();
            for (var count = windows.ReadInt32(); count > 0; count--)
            {
                steps.Add(ReadStep(windows));
            }

            // The template sequences of the retained steps, for a method that reads them (absent otherwise).
            if (sections.TryGetValue("templates", out var templateBytes))
            {
                using var templates = Reader(templateBytes);
                steps = ReadTemplates(templates, steps);
            }

            foreach (var step in steps)
            {
                result._windows.Add(step);
            }

            // Checkpoints written before decisions asked for persistence have no recent scores.
            if (sections.TryGetValue("scores", out var scores))
            {
                using var history = Reader(scores);
                result._windows.History.Read(history);
            }

            return result;
        }
        catch (Exception ex) when (ex is EndOfStreamException or ArgumentException or KeyNotFoundException or OverflowException or InvalidOperationException)
        {
            throw new InvalidDataException("MstGad checkpoint is corrupt: " + ex.Message, ex);
        }
    }

    /// <summary>Continues online detection from a checkpoint file.</summary>
    /// <param name="detector">The detector the checkpoint was made with.</param>
    /// <param name="path">The file path.</param>
    /// <param name="options">Settings; <see langword="null"/> for those saved in the checkpoint.</param>
    /// <returns>The online detector.</returns>
    /// <exception cref="InvalidDataException">Not a usable checkpoint (the message names the file).</exception>
    public static OnlineDetector Restore(Detector detector, string path, OnlineDetectorOptions? options = null) =>
        Restore(detector, path, options, out _);

    /// <summary>Continues online detection from a checkpoint file and returns the application's bytes saved with it.</summary>
    /// <param name="detector">The detector the checkpoint was made with.</param>
    /// <param name="path">The file path.</param>
    /// <param name="options">Settings; <see langword="null"/> for those saved in the checkpoint.</param>
    /// <param name="attachment">The bytes given to <see cref="SaveCheckpoint(string, ReadOnlyMemory{byte})"/>; empty when none were.</param>
    /// <returns>The online detector.</returns>
    /// <exception cref="InvalidDataException">Not a usable checkpoint (the message names the file).</exception>
    public static OnlineDetector Restore(Detector detector, string path, OnlineDetectorOptions? options, out ReadOnlyMemory<byte> attachment)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = File.OpenRead(path);
        try
        {
            return Restore(detector, file, options, out attachment);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"{path}: {ex.Message}", ex);
        }
    }

    private void WriteOnline(BinaryWriter w)
    {
        w.Write(_detector.Fingerprint());
        w.Write(_options.Lateness.Ticks);
        w.Write(_options.SpanRetention.Ticks);
        w.Write(_options.MaxClockSkew?.Ticks ?? -1);
        w.Write(_options.VerdictBufferCapacity);
        foreach (var value in (long[])[_watermarkTicks, _firstStep, _metricsAhead, _logsAhead, _spansAhead, _stepsClosed, _stepsScored, _verdicts, _stepsDropped])
        {
            w.Write(value);
        }
    }

    private void WriteWindows(BinaryWriter w)
    {
        var steps = _windows.Steps.ToList();
        w.Write(steps.Count);
        foreach (var step in steps)
        {
            w.Write(step.Step);
            w.Write(step.Instances.Length);
            foreach (var key in step.Instances)
            {
                w.Write(key);
            }

            WriteArray(w, step.Node);
            w.Write(step.Mask.Length);
            w.Write(step.Mask);
            w.Write(step.Edges.Count);
            for (var e = 0; e < step.Edges.Count; e++)
            {
                w.Write(step.Edges.Sources[e]);
                w.Write(step.Edges.Targets[e]);
            }

            WriteArray(w, step.Edges.Features);
        }
    }

    private void WriteTemplates(BinaryWriter w)
    {
        foreach (var step in _windows.Steps)
        {
            var rows = step.Templates ?? [];
            w.Write(rows.Length);
            foreach (var t in rows)
            {
                w.Write(t);
            }
        }
    }

    private static List<StepFeatures> ReadTemplates(BinaryReader r, List<StepFeatures> steps)
    {
        var result = new List<StepFeatures>(steps.Count);
        foreach (var step in steps)
        {
            var rows = new int[r.ReadInt32()];
            for (var i = 0; i < rows.Length; i++)
            {
                rows[i] = r.ReadInt32();
            }

            if (step.Instances.Length == 0 ? rows.Length != 0 : rows.Length % step.Instances.Length != 0)
            {
                throw new InvalidDataException($"MstGad checkpoint is corrupt: the template sequences of step {step.Step} do not fit its {step.Instances.Length} instances.");
            }

            result.Add(new StepFeatures(step.Step, step.Instances, step.Node, step.Mask, step.Edges) { Templates = rows.Length == 0 && step.Instances.Length > 0 ? null : rows });
        }

        return result;
    }

    private static StepFeatures ReadStep(BinaryReader r)
    {
        var step = r.ReadInt64();
        var instances = new string[r.ReadInt32()];
        for (var i = 0; i < instances.Length; i++)
        {
            instances[i] = r.ReadString();
        }

        var node = ReadArray(r);
        var mask = r.ReadBytes(r.ReadInt32());
        var edgeCount = r.ReadInt32();
        var sources = new int[edgeCount];
        var targets = new int[edgeCount];
        for (var e = 0; e < edgeCount; e++)
        {
            sources[e] = r.ReadInt32();
            targets[e] = r.ReadInt32();
        }

        var features = ReadArray(r);
        if (mask.Length != instances.Length || sources.Any(p => (uint)p >= (uint)instances.Length) || targets.Any(p => (uint)p >= (uint)instances.Length))
        {
            throw new InvalidDataException($"MstGad checkpoint is corrupt: the features of step {step} are inconsistent.");
        }

        return new StepFeatures(step, instances, node, mask, edgeCount == 0 ? FrameEdges.Empty : new FrameEdges(sources, targets, features));
    }

    private static void WriteArray(BinaryWriter w, float[] values)
    {
        w.Write(values.Length);
        foreach (var v in values)
        {
            w.Write(v);
        }
    }

    private static float[] ReadArray(BinaryReader r)
    {
        var values = new float[r.ReadInt32()];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = r.ReadSingle();
        }

        return values;
    }

    private static byte[] Write(Action<BinaryWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            write(writer);
        }

        return buffer.ToArray();
    }

    private static BinaryReader Reader(byte[] data) => new(new MemoryStream(data, writable: false), Encoding.UTF8);
}
