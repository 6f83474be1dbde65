using MstGad.Features;

namespace MstGad.Datasets;

/// <summary>Argument checks shared by the reader options.</summary>
internal static class ReadModes
{
    public static ReadMode Checked(ReadMode value) =>
        Enum.IsDefined(value) ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "The mode must be Strict or Lenient.");
}
