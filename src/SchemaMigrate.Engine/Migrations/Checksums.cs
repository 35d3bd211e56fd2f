using System.Security.Cryptography;

namespace SchemaMigrate.Engine.Migrations;

public static class Checksums
{
    /// <summary>The journal's checksum: lowercase hex SHA-256 of the file's raw bytes (same as sha256sum).</summary>
    public static string Sha256Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();

    /// <summary>True for what <see cref="Sha256Hex"/> could have written (either case); anything else in a journal was put there by hand.</summary>
    public static bool IsSha256Hex(string checksum) => checksum.Length == 64 && checksum.All(char.IsAsciiHexDigit);

    /// <summary>
    /// SHA-256 after dropping a UTF-8 BOM and turning CRLF into LF. Only used to tell an operator that a
    /// "modified" file differs from the applied one in nothing but line endings or a BOM.
    /// </summary>
    public static string NormalizedSha256Hex(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) bytes = bytes[3..];
        var buffer = new byte[bytes.Length];
        int n = 0;
        for (int i = 0; i < bytes.Length; i++)
            if (!(bytes[i] == (byte)'\r' && i + 1 < bytes.Length && bytes[i + 1] == (byte)'\n'))
                buffer[n++] = bytes[i];
        return Sha256Hex(buffer.AsSpan(0, n));
    }
}
