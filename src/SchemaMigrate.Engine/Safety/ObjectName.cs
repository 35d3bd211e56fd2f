namespace SchemaMigrate.Engine.Safety;

/// <summary>
/// A possibly schema-qualified name as PostgreSQL folds it: unquoted parts lower-cased, quoted parts as written.
/// Objects compare by their last part: the gate does not know the search_path, and a false "existing" is safe.
/// </summary>
public sealed record ObjectName(IReadOnlyList<string> Parts)
{
    public string Name => Parts[^1];
    public override string ToString() => string.Join('.', Parts);

    public static string Fold(string token) =>
        token.StartsWith('"') ? token[1..^1].Replace("\"\"", "\"")
        : token.StartsWith("U&\"", StringComparison.OrdinalIgnoreCase) ? token[3..^1]
        : token.ToLowerInvariant();
}
