using System.Text;
using System.Text.RegularExpressions;

namespace SchemaMigrate.Tests.Docs;

/// <summary>
/// Just enough Markdown to check our own pages: headings and links outside fenced code blocks and code spans, and
/// the anchors GitHub gives headings.
/// </summary>
internal static partial class Markdown
{
    public sealed record Link(string Target, int Line);

    public sealed record Heading(int Level, string Text, string Anchor, int Line);

    /// <summary>The page's text with every line of a fenced code block blanked, so line numbers stay as they are.</summary>
    public static string[] ProseLines(string path)
    {
        var lines = File.ReadAllLines(path);
        string? fence = null;
        for (int i = 0; i < lines.Length; i++)
        {
            var trimmed = lines[i].TrimStart();
            if (fence is null && (trimmed.StartsWith("```", StringComparison.Ordinal) || trimmed.StartsWith("~~~", StringComparison.Ordinal)))
            {
                fence = trimmed[..3];
                lines[i] = "";
            }
            else if (fence is not null)
            {
                if (trimmed.StartsWith(fence, StringComparison.Ordinal)) fence = null;
                lines[i] = "";
            }
        }
        return lines;
    }

    public static IReadOnlyList<Heading> Headings(string path)
    {
        var seen = new Dictionary<string, int>();
        var headings = new List<Heading>();
        var lines = ProseLines(path);
        for (int i = 0; i < lines.Length; i++)
        {
            var m = HeadingLine().Match(lines[i]);
            if (!m.Success) continue;
            var text = m.Groups["text"].Value.Trim();
            var slug = Slug(text);
            // GitHub numbers repeated anchors: "usage", "usage-1", "usage-2".
            var anchor = seen.TryGetValue(slug, out var count) ? $"{slug}-{count}" : slug;
            seen[slug] = count + 1;
            headings.Add(new Heading(m.Groups["hashes"].Length, text, anchor, i + 1));
        }
        return headings;
    }

    /// <summary>GitHub's heading anchor: the rendered text lowercased, punctuation other than '-' and '_' removed, spaces to '-'.</summary>
    public static string Slug(string headingText)
    {
        var rendered = LinkInText().Replace(headingText, "${text}").Replace("`", "");
        var slug = new StringBuilder();
        foreach (var c in rendered.Trim().ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(c) || c is '-' or '_') slug.Append(c);
            else if (c == ' ') slug.Append('-');
        }
        return slug.ToString();
    }

    /// <summary>Inline links and images (also when their text wraps a line) and reference definitions.</summary>
    public static IReadOnlyList<Link> Links(string path)
    {
        var lines = ProseLines(path);
        var text = CodeSpan().Replace(string.Join("\n", lines), m => new string(' ', m.Length - m.Value.Count(c => c == '\n')) + new string('\n', m.Value.Count(c => c == '\n')));
        int LineOf(int index) => text.AsSpan(0, index).Count('\n') + 1;
        var links = new List<Link>();
        foreach (Match m in InlineLink().Matches(text))
            links.Add(new Link(m.Groups["target"].Value.Trim('<', '>'), LineOf(m.Groups["target"].Index)));
        foreach (Match m in ReferenceDefinition().Matches(text))
            links.Add(new Link(m.Groups["target"].Value.Trim('<', '>'), LineOf(m.Groups["target"].Index)));
        return links;
    }

    [GeneratedRegex(@"^ {0,3}(?<hashes>#{1,6})[ \t]+(?<text>.+?)[ \t#]*$")]
    private static partial Regex HeadingLine();

    [GeneratedRegex(@"\[(?<text>[^\]]*)\]\([^)]*\)")]
    private static partial Regex LinkInText();

    [GeneratedRegex(@"`+[^`]*?`+")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"!?\[[^\]]*\]\((?<target><[^>\n]*>|[^)\s]*)(?:\s+""[^""\n]*"")?\)")]
    private static partial Regex InlineLink();

    [GeneratedRegex(@"^ {0,3}\[[^\]\n]+\]:[ \t]*(?<target>\S+)", RegexOptions.Multiline)]
    private static partial Regex ReferenceDefinition();
}
