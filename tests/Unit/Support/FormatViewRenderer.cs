using System.Collections;
using System.Globalization;
using System.Xml.Linq;

namespace SchemaMigrate.Tests.Support;

/// <summary>
/// Renders objects through module/SchemaMigrate.Format.ps1xml the way PowerShell 7 prints a table view (columns one
/// space apart, as wide as their widest cell or their fixed Width, a longer cell cut with "…", the header underlined
/// to its own length, collections as {a, b}), in the invariant culture.
/// pwsh cannot run here: this is how the transcripts of docs/powershell.md and docs/triage.md are composed from the real format definitions.
/// </summary>
public static class FormatViewRenderer
{
    private static readonly CultureInfo Culture = CultureInfo.InvariantCulture;

    public static string Render(IReadOnlyList<object> items)
    {
        var view = XDocument.Load(Path.Combine(Repo.Root, "module", "SchemaMigrate.Format.ps1xml")).Descendants("View")
            .Single(v => v.Element("ViewSelectedBy")!.Element("TypeName")!.Value == items[0].GetType().FullName);
        var headers = view.Descendants("TableColumnHeader").Select(h => (Label: h.Element("Label")!.Value, Right: h.Element("Alignment")?.Value == "Right",
            Width: h.Element("Width") is { } w ? int.Parse(w.Value, Culture) : (int?)null)).ToList();
        var properties = view.Descendants("TableColumnItem").Select(i => i.Element("PropertyName")!.Value).ToList();
        var rows = items.Select(item => properties.Select((p, i) => Cut(Text(item.GetType().GetProperty(p)!.GetValue(item)), headers[i].Width)).ToList()).ToList();
        var widths = headers.Select((h, i) => h.Width ?? rows.Select(r => r[i].Length).Append(h.Label.Length).Max()).ToList();

        string Line(IReadOnlyList<string> cells) => string.Join(" ", cells.Select((c, i) =>
            headers[i].Right ? c.PadLeft(widths[i]) : i == cells.Count - 1 ? c : c.PadRight(widths[i]))).TrimEnd();

        var lines = new List<string> { Line(headers.Select(h => h.Label).ToList()), Line(headers.Select(h => new string('-', h.Label.Length)).ToList()) };
        lines.AddRange(rows.Select(Line));
        return string.Join("\n", lines);
    }

    private static string Cut(string text, int? width) => width is { } w && text.Length > w ? text[..(w - 1)] + "…" : text;

    private static string Text(object? value) => value switch
    {
        null => "",
        string s => s,
        IEnumerable e => "{" + string.Join(", ", e.Cast<object>().Select(Text)) + "}",
        IFormattable f => f.ToString(null, Culture),
        _ => value.ToString() ?? "",
    };
}
