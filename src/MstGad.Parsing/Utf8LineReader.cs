using System.Buffers;
using System.IO.Compression;
using System.Text;
using System.Text.Unicode;

namespace MstGad.Parsing;

/// <summary>
/// Reads UTF-8 text line by line into a reused buffer, without allocating a string per line.
/// Lines end at <c>\n</c>; a trailing <c>\r</c> is removed; a UTF-8 byte order mark at the start is
/// skipped. Bytes that are not valid UTF-8 become U+FFFD and the line is flagged.
/// </summary>
/// <remarks>The span returned by <see cref="TryReadLine(out ReadOnlySpan{char})"/> is valid until the next call.</remarks>
public sealed class Utf8LineReader : IDisposable
{
    private readonly Stream _stream;
    private readonly bool _ownsStream;
    private byte[] _bytes;
    private char[] _chars;
    private int _start;
    private int _end;
    private bool _eof;
    private bool _first = true;
    private bool _disposed;

    /// <summary>Creates a reader over a stream.</summary>
    /// <param name="stream">The stream to read.</param>
    /// <param name="leaveOpen">Whether to leave the stream open when this reader is disposed.</param>
    public Utf8LineReader(Stream stream, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _ownsStream = !leaveOpen;
        _bytes = ArrayPool<byte>.Shared.Rent(1 << 16);
        _chars = ArrayPool<char>.Shared.Rent(1 << 12);
    }

    /// <summary>The 1-based number of the last line returned.</summary>
    public long LineNumber { get; private set; }

    /// <summary>Whether the last line returned held bytes that are not valid UTF-8.</summary>
    public bool LastLineHadInvalidUtf8 { get; private set; }

    /// <summary>Opens a file (gzip-decompressed when its name ends in <c>.gz</c>).</summary>
    /// <param name="path">The file path.</param>
    /// <returns>A reader that owns the file.</returns>
    public static Utf8LineReader Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Stream stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        if (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
        {
            stream = new GZipStream(stream, CompressionMode.Decompress);
        }

        return new Utf8LineReader(stream);
    }

    /// <summary>Reads the next line.</summary>
    /// <param name="line">The line without its line break; valid until the next call.</param>
    /// <returns><see langword="false"/> at the end of the input.</returns>
    public bool TryReadLine(out ReadOnlySpan<char> line)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (true)
        {
            var available = _bytes.AsSpan(_start, _end - _start);
            if (_first && (_end - _start >= 3 || _eof))
            {
                _first = false;
                if (available.StartsWith(Encoding.UTF8.Preamble))
                {
                    _start += 3;
                    continue;
                }
            }

            var newline = available.IndexOf((byte)'\n');
            if (newline >= 0)
            {
                // A line has been returned: the start of the stream (where a BOM may be) is past.
                _first = false;
                line = Decode(available[..newline]);
                _start += newline + 1;
                return true;
            }

            if (_eof)
            {
                if (available.Length == 0)
                {
                    line = default;
                    return false;
                }

                line = Decode(available);
                _start = _end;
                return true;
            }

            Fill();
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        ArrayPool<byte>.Shared.Return(_bytes);
        ArrayPool<char>.Shared.Return(_chars);
        if (_ownsStream)
        {
            _stream.Dispose();
        }
    }

    private void Fill()
    {
        if (_start > 0)
        {
            _bytes.AsSpan(_start, _end - _start).CopyTo(_bytes);
            _end -= _start;
            _start = 0;
        }

        if (_end == _bytes.Length)
        {
            // A line longer than the buffer: grow it.
            var bigger = ArrayPool<byte>.Shared.Rent(_bytes.Length * 2);
            _bytes.AsSpan(0, _end).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_bytes);
            _bytes = bigger;
        }

        var read = _stream.Read(_bytes, _end, _bytes.Length - _end);
        if (read == 0)
        {
            _eof = true;
        }

        _end += read;
    }

    private ReadOnlySpan<char> Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > 0 && bytes[^1] == (byte)'\r')
        {
            bytes = bytes[..^1];
        }

        LineNumber++;
        if (_chars.Length < bytes.Length)
        {
            ArrayPool<char>.Shared.Return(_chars);
            _chars = ArrayPool<char>.Shared.Rent(bytes.Length);
        }

        LastLineHadInvalidUtf8 = !Utf8.IsValid(bytes);
        Utf8.ToUtf16(bytes, _chars, out _, out var written, replaceInvalidSequences: true);
        return _chars.AsSpan(0, written);
    }
}
