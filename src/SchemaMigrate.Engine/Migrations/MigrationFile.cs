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

    public static MigrationFile Load(string path) => FromBytes(System.IO.Path.GetFileName(path), path, Read(path));

    /// <summary>The file's bytes; MIGRATION_UNREADABLE, naming what the entry is, when it cannot be read as a file.</summary>
    private static byte[] Read(string path)
    {
        var id = System.IO.Path.GetFileName(path);
        try
        {
            if (Directory.Exists(path))
                throw Unreadable(id, $"{id} is a directory, not a file: the runner reads only the folder's own *.sql files and would never run it");
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var info = new FileInfo(path);
            var why = info.LinkTarget is { } target && e is FileNotFoundException or DirectoryNotFoundException
                ? $"it is a symbolic link to {target}, which does not exist"
                : e is UnauthorizedAccessException
                    ? $"permission denied for user {Environment.UserName}"
                    : e.Message.Contains("symbolic links", StringComparison.OrdinalIgnoreCase)
                        ? $"its symbolic links loop ({id} -> {info.LinkTarget})"
                        : e.Message;
            throw Unreadable(id, $"{id} cannot be read: {why}");
        }
    }

    private static MigrationException Unreadable(string id, string message) =>
        new(new Failure { Reason = ReasonCodes.MigrationUnreadable, Message = Redactor.Redact(message), File = id });

    public static MigrationFile FromBytes(string id, string path, byte[] bytes)
    {
        string text;
        var bom = bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        try
        {
            text = StrictUtf8.GetString(bytes.AsSpan(bom));
        }
        catch (DecoderFallbackException e)
        {
            if (bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
                throw Invalid(id, 1, $"{id} is UTF-16 (it starts with a UTF-16 byte-order mark), not UTF-8; save it as UTF-8");
            var offset = bom + Math.Max(e.Index, 0);
            var line = 1 + bytes.AsSpan(0, Math.Min(offset, bytes.Length)).Count((byte)'\n');
            var value = offset < bytes.Length ? $"0x{bytes[offset]:X2}" : "a truncated sequence";
            throw Invalid(id, line, $"{id}:{line}: not valid UTF-8 ({value} at byte {offset}; Latin-1 or Windows-1252 text looks like this); save the file as UTF-8");
        }
        // PostgreSQL's protocol ends a query at a NUL: sent, it surfaces as a protocol error (08P01) that reads like a lost connection.
        if (text.IndexOf('\0') is var nul and >= 0)
        {
            var line = 1 + text.AsSpan(0, nul).Count('\n');
            throw Invalid(id, line, $"{id}:{line}: holds a NUL character (byte 0x00), which PostgreSQL does not accept in SQL text (a binary file, or UTF-16 without its byte-order mark, looks like this); save the file as UTF-8 text");
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
