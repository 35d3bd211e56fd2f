using System.Text;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Engine.Sql;

namespace SchemaMigrate.Engine.Migrations;

/// <summary>One *.sql file: its id (the file name), checksums, directives and statements.</summary>
public sealed class MigrationFile
{
    private MigrationFile(string id, string path, string checksum, string normalizedChecksum, SqlScript script, MigrationDirectives directives)
    {
        Id = id;
        Path = path;
        Checksum = checksum;
        NormalizedChecksum = normalizedChecksum;
        Script = script;
        Directives = directives;
    }

    public string Id { get; }
    public string Path { get; }
    public string Checksum { get; }
    public string NormalizedChecksum { get; }
    public SqlScript Script { get; }
    public MigrationDirectives Directives { get; }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static MigrationFile Load(string path) => FromBytes(System.IO.Path.GetFileName(path), path, File.ReadAllBytes(path));

    public static MigrationFile FromBytes(string id, string path, byte[] bytes)
    {
        string text;
        try
        {
            var span = bytes.AsSpan();
            if (span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) span = span[3..];
            text = StrictUtf8.GetString(span);
        }
        catch (DecoderFallbackException e)
        {
            throw Invalid(id, null, $"{id} is not valid UTF-8 (byte {e.Index}); save it as UTF-8");
        }

        // A dbmate file is its up section: the down section is its rollback and is never parsed or run.
        var dbmate = OtherToolFormats.Dbmate(text, id);
        SqlScript script;
        try
        {
            script = SqlScript.Parse(dbmate is null ? text : text[..dbmate.End]);
        }
        catch (SqlSyntaxException e)
        {
            throw Invalid(id, e.Line, $"{id}:{e.Line}: {e.Message}");
        }
        if (dbmate is not null && script.Statements.FirstOrDefault(st => st.Offset < dbmate.UpStart) is { } early)
            throw Invalid(id, early.Line, $"{id}:{early.Line}: a statement comes before '-- migrate:up'; dbmate refuses such a file, and so does SchemaMigrate");
        var marker = dbmate is null ? OtherToolFormats.NoTransactionMarker(text, id) : dbmate.NoTransactionMarker;
        return new MigrationFile(id, path, Checksums.Sha256Hex(bytes), Checksums.NormalizedSha256Hex(bytes), script, MigrationDirectives.Parse(script, id, marker));
    }

    private static MigrationException Invalid(string file, int? line, string message) =>
        new(new Failure { Reason = ReasonCodes.MigrationInvalid, Message = message, File = file, Line = line });

    public override string ToString() => Id;
}
