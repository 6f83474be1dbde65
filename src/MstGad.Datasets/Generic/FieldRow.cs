using System.Text;
using System.Text.Json;

namespace MstGad.Datasets.Generic;

/// <summary>
/// One row of a generic telemetry file, by named slot: filled from a CSV record or a JSON Lines object,
/// so that the same conversion serves both formats.
/// </summary>
internal sealed class FieldRow
{
    private readonly string[] _names;
    private readonly int[] _starts;
    private readonly int[] _lengths;
    private readonly bool[] _present;
    private byte[] _data = new byte[1024];
    private int _used;

    /// <summary>Creates a row with the given slot names.</summary>
    public FieldRow(string[] names)
    {
        _names = names;
        _starts = new int[names.Length];
        _lengths = new int[names.Length];
        _present = new bool[names.Length];
    }

    /// <summary>The slot names.</summary>
    public IReadOnlyList<string> Names => _names;

    /// <summary>The slot of a name (ASCII case-insensitive), or -1.</summary>
    public int SlotOf(string name)
    {
        for (var i = 0; i < _names.Length; i++)
        {
            if (string.Equals(_names[i], name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Empties every slot.</summary>
    public void Clear()
    {
        Array.Clear(_present);
        _used = 0;
    }

    /// <summary>Sets a slot's value.</summary>
    public void Set(int slot, ReadOnlySpan<byte> value)
    {
        Ensure(value.Length);
        value.CopyTo(_data.AsSpan(_used));
        _starts[slot] = _used;
        _lengths[slot] = value.Length;
        _present[slot] = true;
        _used += value.Length;
    }

    /// <summary>Whether the slot has a value (possibly empty).</summary>
    public bool IsPresent(int slot) => slot >= 0 && _present[slot];

    /// <summary>The slot's value; empty when absent.</summary>
    public ReadOnlySpan<byte> this[int slot] => IsPresent(slot) ? _data.AsSpan(_starts[slot], _lengths[slot]) : default;

    /// <summary>
    /// Fills the row from one JSON object: string values unescaped, numbers and literals as written,
    /// objects and arrays as their raw JSON text, <c>null</c> as absent; unknown properties are ignored.
    /// </summary>
    /// <exception cref="JsonException">The text is not valid JSON.</exception>
    public void FillFromJsonObject(ReadOnlySpan<byte> json)
    {
        Clear();
        var reader = new Utf8JsonReader(json);
        reader.Read(); // the caller has checked that it is an object
        Span<byte> nameBuffer = stackalloc byte[64];
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var slot = -1;
            var nameLength = reader.HasValueSequence ? (int)reader.ValueSequence.Length : reader.ValueSpan.Length;
            if (nameLength <= nameBuffer.Length)
            {
                var written = reader.CopyString(nameBuffer);
                slot = SlotOf(nameBuffer[..written]);
            }

            reader.Read();
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    var length = reader.HasValueSequence ? (int)reader.ValueSequence.Length : reader.ValueSpan.Length;
                    Ensure(length);
                    var copied = reader.CopyString(_data.AsSpan(_used));
                    if (slot >= 0)
                    {
                        _starts[slot] = _used;
                        _lengths[slot] = copied;
                        _present[slot] = true;
                        _used += copied;
                    }

                    break;
                case JsonTokenType.Null:
                    if (slot >= 0)
                    {
                        _present[slot] = false;
                    }

                    break;
                case JsonTokenType.StartObject:
                case JsonTokenType.StartArray:
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    if (slot >= 0)
                    {
                        Set(slot, json[start..(int)reader.BytesConsumed]);
                    }

                    break;
                default:
                    if (slot >= 0)
                    {
                        Set(slot, reader.ValueSpan);
                    }

                    break;
            }
        }

        while (reader.Read())
        {
            // Reading to the end validates the rest.
        }
    }

    private int SlotOf(ReadOnlySpan<byte> name)
    {
        for (var i = 0; i < _names.Length; i++)
        {
            if (Ascii.EqualsIgnoreCase(name, _names[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private void Ensure(int length)
    {
        if (_used + length > _data.Length)
        {
            Array.Resize(ref _data, Math.Max(_data.Length * 2, _used + length));
        }
    }
}
