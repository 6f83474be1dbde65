using System.Text.Json.Serialization;

namespace MstGad.Model;

[JsonSourceGenerationOptions(WriteIndented = false)]
[JsonSerializable(typeof(ModelHeader))]
internal sealed partial class ModelJson : JsonSerializerContext;
