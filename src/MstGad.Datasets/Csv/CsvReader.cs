using System.Buffers;
using System.Text;

namespace MstGad.Datasets.Csv;

/// <summary>What is structurally wrong with a CSV record.</summary>
internal enum CsvError
{
    /// <summary>Nothing.</summary>
    None = 0,

    /// <summary>A character other than a comma or a line break follows a closing quote.</summary>
    CharacterAfterClosingQuote = 1,

    /// <summary>A quoted field is not closed before the end of the input (or before the record size limit).</summary>
    UnterminatedQuote = 2,
}

/// <summary>
/// A streaming RFC 4180 reader over UTF-8 bytes: fields separated by commas, records by <c>\n</c> or
/// <c>\r\n</c>, fields optionally quoted with <c>"</c>, quotes inside quoted fields doubled, commas and line
/// breaks allowed inside quoted fields. A UTF-8 byte order mark at the start is skipped; blank lines are
/// ignored.
/// </summary>
/// <remarks>
/// <para>
/// Fields are exposed as spans over an internal buffer, valid until the next <see cref="ReadAsync"/>;
/// a quoted field with doubled quotes is unescaped in place on first access. The buffer grows to hold
/// the longest record (up to <see cref="MaxRecordBytes"/>).
/// </para>
/// <para>
/// Malformed records do not throw here: <see cref="Error"/> says what is wrong and the caller decides.
/// After a character that follows a closing quote the rest of the field is read as unquoted text up to
/// the next comma or line break (as Python's <c>csv</c> module does), so the reader stays in step.
/// An unterminated quote yields a record that covers only the physical line where the record started,
/// and reading resumes on the next line.
/// </para>
/// </remarks>
internal sealed class CsvReader : IDisposable
{
    /// <summary>The largest record, in bytes, that the reader holds.</summary>
    internal const int MaxRecordBytes = 64 << 20;

    private const int InitialBufferSize = 1 << 20;
    private const byte FlagQuoted = 1;
    private const byte FlagEscaped = 2;

    private readonly Stream _stream;
    private readonly bool _ownsStream;
    private readonly int _maxRecordBytes;
    private byte[] _buffer;
    private int _pos;
    private int _end;
    private bool _eof;
    private bool _first = true;
    private long _nextLine = 1;
    private int _recordStart;
    private int _recordLength;
    private int[] _starts = new int[32];
    private int[] _lengths = new int[32];
    private byte[] _flags = new byte[32];
    private int _count;
    private bool _disposed;

    /// <summary>Creates a reader.</summary>
    /// <param name="stream">The UTF-8 input.</param>
    /// <param name="leaveOpen">Whether to leave the stream open on disposal.</param>
    /// <param name="maxRecordBytes">The record size limit (tests use small values).</param>
    public CsvReader(Stream stream, bool leaveOpen = false, int maxRecordBytes = MaxRecordBytes)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRecordBytes, 16);
        _stream = stream;
        _ownsStream = !leaveOpen;
        _maxRecordBytes = maxRecordBytes;
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Min(InitialBufferSize, maxRecordBytes));
    }

    private enum Status
    {
        Complete,
        NeedMore,
        Unterminated,
    }

    /// <summary>The 1-based physical line where the current record starts.</summary>
    public long Line { get; private set; }

    /// <summary>The number of fields of the current record.</summary>
    public int FieldCount => _count;

    /// <summary>What is structurally wrong with the current record.</summary>
    public CsvError Error { get; private set; }

    /// <summary>The index of the field where <see cref="Error"/> was found.</summary>
    public int ErrorField { get; private set; }

    /// <summary>
    /// The raw bytes of the current record, without its final line break. Read it before any field
    /// (fields are unescaped in place).
    /// </summary>
    public ReadOnlySpan<byte> RawRecord => _buffer.AsSpan(_recordStart, _recordLength);

    /// <summary>Reads the next record.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns><see langword="false"/> at the end of the input.</returns>
    public async ValueTask<bool> ReadAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (true)
        {
            if (_first)
            {
                await EnsureAsync(3, cancellationToken).ConfigureAwait(false);
                _first = false;
                if (_buffer.AsSpan(_pos, _end - _pos).StartsWith(Encoding.UTF8.Preamble))
                {
                    _pos += 3;
                }
            }

            if (_pos == _end)
            {
                if (_eof)
                {
                    _count = 0;
                    return false;
                }

                await FillAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            var status = TryParse(out var consumed, out var lines);
            if (status == Status.NeedMore)
            {
                if (_end - _pos >= _maxRecordBytes)
                {
                    status = Status.Unterminated;
                }
                else
                {
                    await FillAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }
            }

            Line = _nextLine;
            if (status == Status.Unterminated)
            {
                // Resynchronise on the next physical line: the record is the line where it started.
                var data = _buffer.AsSpan(_pos, _end - _pos);
                var newline = data.IndexOf((byte)'\n');
                if (newline < 0 && !_eof)
                {
                    throw new InvalidDataException(
                        $"A CSV record starting on line {Line} is longer than {_maxRecordBytes} bytes and has no line break.");
                }

                consumed = newline < 0 ? data.Length : newline + 1;
                lines = newline < 0 ? 0 : 1;
                _recordStart = _pos;
                _recordLength = TrimLineBreak(data[..consumed]).Length;
                Error = CsvError.UnterminatedQuote;
                ErrorField = _count;
                _count = 0;
            }

            _pos += consumed;
            _nextLine += lines;
            if (Error == CsvError.None && _count == 1 && _lengths[0] == 0 && _flags[0] == 0)
            {
                continue; // a blank line
            }

            return true;
        }
    }

    /// <summary>Returns a field, unescaping doubled quotes in place on first access.</summary>
    /// <param name="index">The field index.</param>
    /// <returns>The field's bytes, valid until the next read.</returns>
    public ReadOnlySpan<byte> this[int index]
    {
        get
        {
            if ((uint)index >= (uint)_count)
            {
                throw new ArgumentOutOfRangeException(nameof(index), index, $"The record has {_count} fields.");
            }

            var span = _buffer.AsSpan(_starts[index], _lengths[index]);
            if ((_flags[index] & FlagEscaped) != 0)
            {
                var write = 0;
                for (var read = 0; read < span.Length; read++, write++)
                {
                    span[write] = span[read];
                    if (span[read] == (byte)'"')
                    {
                        read++; // skip the second quote of the pair
                    }
                }

                _lengths[index] = write;
                _flags[index] &= unchecked((byte)~FlagEscaped);
                span = span[..write];
            }

            return span;
        }
    }

    /// <summary>Returns a field as a string.</summary>
    /// <param name="index">The field index.</param>
    /// <returns>The decoded field.</returns>
    public string GetString(int index) => Encoding.UTF8.GetString(this[index]);

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        if (_ownsStream)
        {
            _stream.Dispose();
        }
    }

    private static ReadOnlySpan<byte> TrimLineBreak(ReadOnlySpan<byte> line)
    {
        if (line.Length > 0 && line[^1] == (byte)'\n')
        {
            line = line[..^1];
        }

        if (line.Length > 0 && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        return line;
    }

    private async ValueTask EnsureAsync(int bytes, CancellationToken cancellationToken)
    {
        while (_end - _pos < bytes && !_eof)
        {
            await FillAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        if (_pos > 0)
        {
            Buffer.BlockCopy(_buffer, _pos, _buffer, 0, _end - _pos);
            _end -= _pos;
            _pos = 0;
        }

        if (_end == _buffer.Length && _buffer.Length < _maxRecordBytes)
        {
            var size = (int)Math.Min((long)_buffer.Length * 2, _maxRecordBytes);
            var bigger = ArrayPool<byte>.Shared.Rent(size);
            Buffer.BlockCopy(_buffer, 0, bigger, 0, _end);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }

        var read = await _stream.ReadAsync(_buffer.AsMemory(_end, Math.Min(_buffer.Length, _maxRecordBytes) - _end), cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            _eof = true;
        }

        _end += read;
    }

    private void AddField(int start, int length, byte flags)
    {
        if (_count == _starts.Length)
        {
            Array.Resize(ref _starts, _count * 2);
            Array.Resize(ref _lengths, _count * 2);
            Array.Resize(ref _flags, _count * 2);
        }

        _starts[_count] = start;
        _lengths[_count] = length;
        _flags[_count] = flags;
        _count++;
    }

    private Status TryParse(out int consumed, out int lines)
    {
        var data = _buffer.AsSpan(_pos, _end - _pos);
        var offset = _pos;
        _count = 0;
        Error = CsvError.None;
        ErrorField = 0;
        consumed = 0;
        lines = 0;
        var i = 0;
        while (true)
        {
            if (i >= data.Length)
            {
                if (!_eof)
                {
                    return Status.NeedMore;
                }

                // The input ends right after a comma: a last, empty field.
                AddField(offset + i, 0, 0);
                return Finish(data, i, i, ref consumed);
            }

            if (data[i] == (byte)'"')
            {
                var flags = FlagQuoted;
                var q = i + 1;
                while (true)
                {
                    var k = data[q..].IndexOf((byte)'"');
                    if (k < 0)
                    {
                        return _eof ? Status.Unterminated : Status.NeedMore;
                    }

                    q += k;
                    if (q + 1 < data.Length && data[q + 1] == (byte)'"')
                    {
                        flags |= FlagEscaped;
                        q += 2;
                        continue;
                    }

                    if (q + 1 >= data.Length && !_eof)
                    {
                        return Status.NeedMore;
                    }

                    break;
                }

                var content = data[(i + 1)..q];
                lines += content.Count((byte)'\n');
                AddField(offset + i + 1, content.Length, flags);
                var after = q + 1;
                if (after >= data.Length)
                {
                    return Finish(data, after, after, ref consumed);
                }

                var c = data[after];
                if (c == (byte)',')
                {
                    i = after + 1;
                    continue;
                }

                if (c == (byte)'\n')
                {
                    lines++;
                    return Finish(data, after, after + 1, ref consumed);
                }

                if (c == (byte)'\r')
                {
                    if (after + 1 >= data.Length && !_eof)
                    {
                        return Status.NeedMore;
                    }

                    if (after + 1 >= data.Length)
                    {
                        return Finish(data, after, after + 1, ref consumed);
                    }

                    if (data[after + 1] == (byte)'\n')
                    {
                        lines++;
                        return Finish(data, after, after + 2, ref consumed);
                    }
                }

                // A character after the closing quote: keep the raw text up to the next comma or line
                // break as the field and flag the record.
                if (Error == CsvError.None)
                {
                    Error = CsvError.CharacterAfterClosingQuote;
                    ErrorField = _count - 1;
                }

                var rest = data[after..].IndexOfAny((byte)',', (byte)'\n');
                if (rest < 0)
                {
                    if (!_eof)
                    {
                        return Status.NeedMore;
                    }

                    rest = data.Length - after;
                }

                var fieldEnd = after + rest;
                _starts[_count - 1] = offset + i;
                _lengths[_count - 1] = fieldEnd - i;
                _flags[_count - 1] = 0;
                if (fieldEnd >= data.Length)
                {
                    return Finish(data, fieldEnd, fieldEnd, ref consumed);
                }

                if (data[fieldEnd] == (byte)',')
                {
                    i = fieldEnd + 1;
                    continue;
                }

                if (fieldEnd > i && data[fieldEnd - 1] == (byte)'\r')
                {
                    _lengths[_count - 1]--;
                }

                lines++;
                return Finish(data, fieldEnd, fieldEnd + 1, ref consumed);
            }
            else
            {
                var k = data[i..].IndexOfAny((byte)',', (byte)'\n');
                if (k < 0)
                {
                    if (!_eof)
                    {
                        return Status.NeedMore;
                    }

                    var last = data[i..];
                    AddField(offset + i, last.Length > 0 && last[^1] == (byte)'\r' ? last.Length - 1 : last.Length, 0);
                    return Finish(data, data.Length, data.Length, ref consumed);
                }

                var fieldEnd = i + k;
                if (data[fieldEnd] == (byte)',')
                {
                    AddField(offset + i, k, 0);
                    i = fieldEnd + 1;
                    continue;
                }

                AddField(offset + i, k > 0 && data[fieldEnd - 1] == (byte)'\r' ? k - 1 : k, 0);
                lines++;
                return Finish(data, fieldEnd, fieldEnd + 1, ref consumed);
            }
        }
    }

    private Status Finish(ReadOnlySpan<byte> data, int recordEnd, int next, ref int consumed)
    {
        _recordStart = _pos;
        _recordLength = TrimLineBreak(data[..recordEnd]).Length;
        consumed = next;
        return Status.Complete;
    }
}
