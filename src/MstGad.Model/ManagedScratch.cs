using Buf = System.ArraySegment<float>;

namespace MstGad.Model;

/// <summary>
/// The working memory of one <see cref="ManagedNetwork.Forward(MstGad.Graph.GraphWindow)"/> call: every intermediate
/// array is a slice of one reused block, so that scoring allocates nothing in steady state. What a call needs beyond
/// the block is allocated for that call, and the block grows to the call's whole need at <see cref="Reset"/>; the
/// next window of the same shape then fits.
/// </summary>
internal sealed class ManagedScratch
{
    private float[] _floats = [];
    private int _usedFloats;
    private long _missingFloats;
    private int[] _ints = [];
    private int _usedInts;
    private long _missingInts;

    /// <summary>Edge (source, target) → its index in the window, reused by every call.</summary>
    public Dictionary<(int Source, int Target), int> EdgeIndex { get; } = [];

    /// <summary>The window's edges in the order they first appear, reused by every call.</summary>
    public List<(int Source, int Target)> Edges { get; } = [];

    /// <summary>The line graph's edges (e₁ → e₂ through node v), reused by every call.</summary>
    public List<(int From, int To, int Node)> Lines { get; } = [];

    /// <summary>A slice of <paramref name="length"/> floats whose content is undefined (the caller writes all of it).</summary>
    public Buf Take(int length)
    {
        if (_usedFloats + length <= _floats.Length)
        {
            var slice = new Buf(_floats, _usedFloats, length);
            _usedFloats += length;
            return slice;
        }

        _missingFloats += length;
        return new Buf(new float[length]);
    }

    /// <summary>A slice of <paramref name="length"/> zeros.</summary>
    public Buf Zeroed(int length)
    {
        var slice = Take(length);
        slice.AsSpan().Clear();
        return slice;
    }

    /// <summary>A slice of <paramref name="length"/> ints whose content is undefined.</summary>
    public ArraySegment<int> TakeInts(int length)
    {
        if (_usedInts + length <= _ints.Length)
        {
            var slice = new ArraySegment<int>(_ints, _usedInts, length);
            _usedInts += length;
            return slice;
        }

        _missingInts += length;
        return new ArraySegment<int>(new int[length]);
    }

    /// <summary>Makes every slice handed out free again (after the call has copied out what it returns).</summary>
    public void Reset()
    {
        if (_missingFloats > 0)
        {
            _floats = new float[Grown(_usedFloats + _missingFloats)];
        }

        if (_missingInts > 0)
        {
            _ints = new int[Grown(_usedInts + _missingInts)];
        }

        _usedFloats = _usedInts = 0;
        _missingFloats = _missingInts = 0;
        EdgeIndex.Clear();
        Edges.Clear();
        Lines.Clear();
    }

    /// <summary>A quarter more than the call needed, so that a slightly larger window still fits.</summary>
    private static int Grown(long need) => (int)Math.Min(Array.MaxLength, need + (need / 4));
}
