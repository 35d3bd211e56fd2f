using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Docs;

/// <summary>The README stays an entry page, and every relative link in it and in docs/ leads somewhere real.</summary>
public class DocsLinkTests
{
    private const int ReadmeMaxLines = 250;
    private const int PageNeedingContentsLines = 150;

    /// <summary>
    /// Written by the change that moves the engine's folders, which lands beside this one. Until the file exists a
    /// link to it is the only one allowed to dangle; once it exists it is checked like every other page.
    /// </summary>
    private static string ReadmePath => Path.Combine(Repo.Root, "README.md");
    private static string DocsDirectory => Path.Combine(Repo.Root, "docs");

    public static IEnumerable<object[]> Pages() =>
        new[] { ReadmePath }.Concat(Directory.GetFiles(DocsDirectory, "*.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            .Select(p => new object[] { Path.GetRelativePath(Repo.Root, p).Replace('\\', '/') });

    /// <summary>The subject pages, and the index of each sub-folder (docs/gate/README.md lists its own rule pages).</summary>
    private static IEnumerable<string> DocsPages() =>
        Directory.GetFiles(DocsDirectory, "*.md").Where(p => Path.GetFileName(p) != "README.md")
            .Concat(Directory.GetDirectories(DocsDirectory).Select(d => Path.Combine(d, "README.md")).Where(File.Exists))
            .Select(p => Path.GetRelativePath(DocsDirectory, p).Replace('\\', '/')).Order(StringComparer.Ordinal);

    [Fact]
    public void The_readme_is_an_entry_page_under_250_lines()
    {
        var lines = File.ReadAllLines(ReadmePath).Length;
        Assert.True(lines < ReadmeMaxLines, $"README.md has {lines} lines; move reference material into docs/ (limit {ReadmeMaxLines}).");
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void Every_relative_link_points_to_a_file_that_exists_and_an_anchor_to_a_heading_that_exists(string page)
    {
        var path = Path.Combine(Repo.Root, page);
        var broken = new List<string>();
        foreach (var link in Markdown.Links(path))
        {
            if (link.Target.Length == 0) { broken.Add($"{page}:{link.Line}: a link without a target"); continue; }
            if (IsExternal(link.Target)) continue;
            var hash = link.Target.IndexOf('#');
            var file = Uri.UnescapeDataString(hash < 0 ? link.Target : link.Target[..hash]);
            var anchor = hash < 0 ? null : link.Target[(hash + 1)..];
            var target = file.Length == 0 ? path : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, file));

            if (!File.Exists(target) && !Directory.Exists(target))
            {
                var fromRoot = Path.GetRelativePath(Repo.Root, target).Replace('\\', '/');
                broken.Add($"{page}:{link.Line}: {link.Target}: no such file {fromRoot}");
                continue;
            }
            if (anchor is not null && target.EndsWith(".md", StringComparison.OrdinalIgnoreCase))
            {
                var anchors = Markdown.Headings(target).Select(h => h.Anchor).ToList();
                if (!anchors.Contains(anchor))
                    broken.Add($"{page}:{link.Line}: {link.Target}: no heading with anchor #{anchor} in {Path.GetFileName(target)} (it has: {string.Join(", ", anchors)})");
            }
        }
        Assert.True(broken.Count == 0, "Broken links:\n" + string.Join("\n", broken));
    }

    [Fact]
    public void The_readme_and_the_docs_index_link_to_every_docs_page()
    {
        string[] Linked(string indexPath) => Markdown.Links(indexPath).Where(l => l.Target.Length > 0 && !IsExternal(l.Target))
            .Select(l => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(indexPath)!, Uri.UnescapeDataString(l.Target.Split('#')[0]))))
            .ToArray();
        var fromReadme = Linked(ReadmePath);
        var fromIndex = Linked(Path.Combine(DocsDirectory, "README.md"));
        foreach (var page in DocsPages())
        {
            var full = Path.GetFullPath(Path.Combine(DocsDirectory, page));
            Assert.True(fromReadme.Contains(full), $"README.md does not link to docs/{page}");
            Assert.True(fromIndex.Contains(full), $"docs/README.md does not link to docs/{page}");
        }
    }

    [Fact]
    public void A_page_over_150_lines_opens_with_a_table_of_contents_of_its_sections()
    {
        foreach (var page in DocsPages().Select(p => Path.Combine(DocsDirectory, p)))
        {
            if (File.ReadAllLines(page).Length <= PageNeedingContentsLines) continue;
            var sections = Markdown.Headings(page).Where(h => h.Level == 2).ToList();
            Assert.NotEmpty(sections);
            var contents = Markdown.Links(page).Where(l => l.Line < sections[0].Line && l.Target.StartsWith('#')).Select(l => l.Target[1..]).ToHashSet();
            var missing = sections.Where(s => !contents.Contains(s.Anchor)).Select(s => s.Text).ToList();
            Assert.True(missing.Count == 0, $"{Path.GetFileName(page)} is long, and its contents (before the first section) lack: {string.Join("; ", missing)}");
        }
    }

    [Theory]
    [InlineData("Set up (fresh machine)", "set-up-fresh-machine")]
    [InlineData("Integrity checks and `--strict`", "integrity-checks-and---strict")]
    [InlineData("Statements that cannot run in a transaction: `no-transaction`", "statements-that-cannot-run-in-a-transaction-no-transaction")]
    [InlineData("Busy tables: lock_timeout with retries", "busy-tables-lock_timeout-with-retries")]
    [InlineData("migration.json", "migrationjson")]
    [InlineData("The job's configuration", "the-jobs-configuration")]
    [InlineData("A .NET 8 image, or no Docker", "a-net-8-image-or-no-docker")]
    public void Anchors_follow_githubs_rules(string heading, string anchor) => Assert.Equal(anchor, Markdown.Slug(heading));

    private static bool IsExternal(string target) =>
        System.Text.RegularExpressions.Regex.IsMatch(target, "^[a-zA-Z][a-zA-Z0-9+.-]*:");
}
