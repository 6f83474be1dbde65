using System.Text.Json.Serialization;

namespace MstGad.Cli;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ParseSummary))]
[JsonSerializable(typeof(SoakResult))]
[JsonSerializable(typeof(LeaveKindOutReport))]
[JsonSerializable(typeof(ReplayReport))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
