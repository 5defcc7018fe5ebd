import Foundation

/// `gameday report --html`: the postmortem as one self-contained HTML file for people who won't open Markdown. The
/// Markdown the postmortem emits (headings, tables, lists and checkboxes, code spans and fences, `> [!CAUTION]`
/// banners, links, bold, `<sub>` small print) is rendered by a small converter made for exactly that subset; each
/// chart image is replaced by its SVG, inlined. No external assets (no CDN, no fonts, no scripts), and pure:
/// the same postmortem and charts give the same bytes. Every piece of text is escaped, so journal content (notes,
/// target names) is never markup.
public enum HTMLReport {
    /// The file name written beside postmortem.md.
    public static let fileName = "postmortem.html"

    /// The HTML document for `markdown` (a rendered postmortem), with `charts` inlined where the Markdown links them.
    public static func render(markdown: String, charts: [ChartFile]) -> String {
        let lines = markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let title = lines.first { $0.hasPrefix("# ") }.map { String($0.dropFirst(2)) } ?? "Postmortem"
        var svgs: [String: String] = [:]
        for chart in charts { svgs[chart.name] = chart.svg }
        var out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        out += "<title>\(markupEscaped(title))</title>\n<style>\n\(style)</style>\n</head>\n<body>\n<main>\n"
        out += Blocks(svgs: svgs).render(lines)
        out += "</main>\n</body>\n</html>\n"
        return out
    }

    static let style = """
    body { margin: 0; background: #ffffff; color: #1b1f24; font: 17px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
    main { max-width: 1100px; margin: 0 auto; padding: 1.5rem; }
    h1 { font-size: 2rem; margin: 0 0 1rem; }
    h2 { font-size: 1.45rem; margin: 2rem 0 .6rem; border-bottom: 1px solid #d0d7de; padding-bottom: .2rem; }
    h3 { font-size: 1.15rem; }
    table { border-collapse: collapse; margin: .8rem 0; display: block; overflow-x: auto; max-width: 100%; }
    th, td { border: 1px solid #d0d7de; padding: .3rem .6rem; vertical-align: top; }
    th { background: #f3f5f7; text-align: left; }
    td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
    code { font: .9em ui-monospace, "DejaVu Sans Mono", monospace; background: #f3f5f7; padding: 0 .2em; border-radius: 3px; }
    pre { background: #f3f5f7; padding: .7rem; overflow-x: auto; border-radius: 4px; }
    pre code { background: none; padding: 0; }
    blockquote { margin: 1rem 0; padding: .5rem 1rem; border-left: 6px solid #8c959f; background: #f6f8fa; }
    blockquote.caution { border-left-color: #cf222e; background: #ffebe9; }
    blockquote.warning { border-left-color: #bf8700; background: #fff8c5; }
    blockquote.note { border-left-color: #0969da; background: #ddf4ff; }
    .banner-label { font-weight: 700; margin: 0 0 .3rem; }
    ul { padding-left: 1.6rem; }
    li.task { list-style: none; margin-left: -1.4rem; }
    li.task input { margin-right: .5rem; }
    figure { margin: 1rem 0; }
    figure svg { max-width: 100%; height: auto; border: 1px solid #d0d7de; }
    figcaption { color: #57606a; font-size: .9rem; }
    small { color: #57606a; }

    """

    /// A block-level renderer: paragraphs, headings, tables, lists (with indented continuations), fences, quotes.
    struct Blocks {
        let svgs: [String: String]

        func render(_ lines: [String]) -> String {
            var out = ""
            var i = 0
            var paragraph: [String] = []
            func flush() {
                guard !paragraph.isEmpty else { return }
                out += "<p>" + paragraph.map(inline).joined(separator: "\n") + "</p>\n"
                paragraph = []
            }
            while i < lines.count {
                let line = lines[i]
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty { flush(); i += 1; continue }
                if let level = headingLevel(line) {
                    flush()
                    let text = String(line.dropFirst(level + 1))
                    out += "<h\(level) id=\"\(slug(text))\">\(inline(text))</h\(level)>\n"
                    i += 1
                } else if line.hasPrefix("```") {
                    flush()
                    let language = String(line.dropFirst(3)).trimmingCharacters(in: .whitespaces)
                    var body: [String] = []
                    i += 1
                    while i < lines.count, !lines[i].hasPrefix("```") { body.append(lines[i]); i += 1 }
                    i += 1 // the closing fence (or the end)
                    let cls = language.isEmpty ? "" : " class=\"language-\(markupEscaped(language))\""
                    out += "<pre><code\(cls)>" + body.map(markupEscaped).joined(separator: "\n") + "</code></pre>\n"
                } else if line.hasPrefix(">") {
                    flush()
                    var body: [String] = []
                    while i < lines.count, lines[i].hasPrefix(">") {
                        var inner = String(lines[i].dropFirst())
                        if inner.hasPrefix(" ") { inner.removeFirst() }
                        body.append(inner)
                        i += 1
                    }
                    out += quote(body)
                } else if line.hasPrefix("|") {
                    flush()
                    var rows: [String] = []
                    while i < lines.count, lines[i].hasPrefix("|") { rows.append(lines[i]); i += 1 }
                    out += table(rows)
                } else if line.hasPrefix("- ") || line.hasPrefix("* ") {
                    flush()
                    var items: [[String]] = []
                    while i < lines.count {
                        let l = lines[i]
                        if l.hasPrefix("- ") || l.hasPrefix("* ") {
                            items.append([String(l.dropFirst(2))])
                            i += 1
                        } else if l.hasPrefix("  "), !items.isEmpty {
                            items[items.count - 1].append(String(l.dropFirst(2)))
                            i += 1
                        } else if l.trimmingCharacters(in: .whitespaces).isEmpty, i + 1 < lines.count,
                                  lines[i + 1].hasPrefix("  ") || lines[i + 1].hasPrefix("- "), !items.isEmpty {
                            items[items.count - 1].append("")
                            i += 1
                        } else {
                            break
                        }
                    }
                    out += list(items)
                } else if let image = standaloneImage(trimmed) {
                    flush()
                    out += figure(alt: image.alt, src: image.src)
                    i += 1
                } else if trimmed.hasPrefix("<sub>"), trimmed.hasSuffix("</sub>") {
                    flush()
                    let text = String(trimmed.dropFirst(5).dropLast(6))
                    out += "<p><small>\(inline(text))</small></p>\n"
                    i += 1
                } else {
                    paragraph.append(line)
                    i += 1
                }
            }
            flush()
            return out
        }

        func headingLevel(_ line: String) -> Int? {
            let hashes = line.prefix { $0 == "#" }.count
            guard (1...6).contains(hashes), line.dropFirst(hashes).hasPrefix(" ") else { return nil }
            return hashes
        }

        func slug(_ text: String) -> String {
            let lowered = text.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "-" }
            return String(lowered).split(separator: "-").joined(separator: "-")
        }

        /// A quote; `[!CAUTION]`-style first lines (GitHub alerts) make it a coloured banner.
        func quote(_ body: [String]) -> String {
            var lines = body
            var cls = ""
            var label = ""
            if let first = lines.first, first.hasPrefix("[!"), first.hasSuffix("]") {
                let kind = first.dropFirst(2).dropLast().lowercased()
                if ["caution", "warning", "note", "important", "tip"].contains(kind) {
                    cls = " class=\"\(kind == "important" ? "caution" : kind == "tip" ? "note" : kind)\""
                    label = "<p class=\"banner-label\">\(markupEscaped(kind.capitalized))</p>\n"
                    lines.removeFirst()
                }
            }
            return "<blockquote\(cls)>\n" + label + render(lines) + "</blockquote>\n"
        }

        func list(_ items: [[String]]) -> String {
            var out = "<ul>\n"
            for item in items {
                var first = item[0]
                var cls = ""
                var box = ""
                if first.hasPrefix("[ ] ") || first.hasPrefix("[x] ") || first.hasPrefix("[X] ") {
                    let checked = !first.hasPrefix("[ ]")
                    box = "<input type=\"checkbox\" disabled\(checked ? " checked" : "")>"
                    cls = " class=\"task\""
                    first = String(first.dropFirst(4))
                }
                if item.count == 1 {
                    out += "<li\(cls)>\(box)\(inline(first))</li>\n"
                } else {
                    out += "<li\(cls)>\(box)" + render([first] + item.dropFirst()) + "</li>\n"
                }
            }
            return out + "</ul>\n"
        }

        func table(_ rows: [String]) -> String {
            let cells = rows.map(splitRow)
            guard cells.count >= 2, cells[1].allSatisfy({ $0.allSatisfy { "-:".contains($0) } && !$0.isEmpty }) else {
                return "<p>" + rows.map(inline).joined(separator: "<br>\n") + "</p>\n"
            }
            let right = cells[1].map { $0.hasSuffix(":") && !$0.hasPrefix(":") }
            func attr(_ column: Int) -> String { column < right.count && right[column] ? " class=\"num\"" : "" }
            var out = "<table>\n"
            let header = cells[0]
            if !header.allSatisfy(\.isEmpty) {
                out += "<thead><tr>" + header.enumerated().map { "<th\(attr($0.offset))>\(inline($0.element))</th>" }.joined() + "</tr></thead>\n"
            }
            out += "<tbody>\n"
            for row in cells.dropFirst(2) {
                out += "<tr>" + row.enumerated().map { "<td\(attr($0.offset))>\(inline($0.element))</td>" }.joined() + "</tr>\n"
            }
            return out + "</tbody>\n</table>\n"
        }

        /// The cells of `| a | b |`, trimmed; `\|` is a literal pipe.
        func splitRow(_ row: String) -> [String] {
            var cells: [String] = []
            var current = ""
            var chars = Array(row.trimmingCharacters(in: .whitespaces))
            if chars.first == "|" { chars.removeFirst() }
            if chars.last == "|", !(chars.count >= 2 && chars[chars.count - 2] == "\\") { chars.removeLast() }
            var i = 0
            while i < chars.count {
                if chars[i] == "\\", i + 1 < chars.count, chars[i + 1] == "|" { current.append("|"); i += 2; continue }
                if chars[i] == "|" { cells.append(current.trimmingCharacters(in: .whitespaces)); current = ""; i += 1; continue }
                current.append(chars[i]); i += 1
            }
            cells.append(current.trimmingCharacters(in: .whitespaces))
            return cells
        }

        func standaloneImage(_ line: String) -> (alt: String, src: String)? {
            guard line.hasPrefix("!["), line.hasSuffix(")"), let close = line.range(of: "](") else { return nil }
            let alt = String(line[line.index(line.startIndex, offsetBy: 2)..<close.lowerBound])
            let src = String(line[close.upperBound..<line.index(before: line.endIndex)])
            guard !src.contains(" "), !src.contains(")") else { return nil }
            return (alt, src)
        }

        /// A chart image becomes its SVG, inlined; any other image only its alt text (nothing is fetched).
        func figure(alt: String, src: String) -> String {
            guard let svg = svgs[src] else { return "<p>[\(markupEscaped(alt))]</p>\n" }
            var body = svg
            if body.hasPrefix("<?xml"), let end = body.range(of: "?>") { body = String(body[end.upperBound...]) }
            return "<figure>\n" + body.trimmingCharacters(in: .whitespacesAndNewlines)
                + "\n<figcaption>\(markupEscaped(alt))</figcaption>\n</figure>\n"
        }

        /// Inline Markdown: `code`, **bold**, [links](href), ![images](src); everything else escaped.
        func inline(_ text: String) -> String {
            let chars = Array(text)
            var out = ""
            var i = 0
            var bold = false
            func find(_ target: String, from start: Int) -> Int? {
                let t = Array(target)
                var j = start
                while j + t.count <= chars.count {
                    if Array(chars[j..<(j + t.count)]) == t { return j }
                    j += 1
                }
                return nil
            }
            while i < chars.count {
                let c = chars[i]
                if c == "`", let end = find("`", from: i + 1) {
                    out += "<code>" + markupEscaped(String(chars[(i + 1)..<end])) + "</code>"
                    i = end + 1
                } else if c == "*", i + 1 < chars.count, chars[i + 1] == "*", bold || find("**", from: i + 2) != nil {
                    out += bold ? "</strong>" : "<strong>"
                    bold.toggle()
                    i += 2
                } else if c == "[" || (c == "!" && i + 1 < chars.count && chars[i + 1] == "["),
                          let link = linkAt(chars, i + (c == "!" ? 1 : 0)) {
                    if c == "!" {
                        out += "[\(markupEscaped(link.text))]"
                    } else if isSafeHref(link.href) {
                        out += "<a href=\"\(markupEscaped(link.href))\">\(inline(link.text))</a>"
                    } else {
                        out += inline(link.text)
                    }
                    i = link.end
                } else {
                    out += markupEscaped(String(c))
                    i += 1
                }
            }
            if bold { out += "</strong>" }
            return out
        }

        /// `[text](href)` starting at `start` (the `[`): the text, the href and the index after `)`.
        func linkAt(_ chars: [Character], _ start: Int) -> (text: String, href: String, end: Int)? {
            var depth = 0
            var j = start
            while j < chars.count {
                if chars[j] == "[" { depth += 1 }
                if chars[j] == "]" { depth -= 1; if depth == 0 { break } }
                j += 1
            }
            guard j + 1 < chars.count, chars[j + 1] == "(", let close = chars[(j + 2)...].firstIndex(of: ")") else { return nil }
            let href = String(chars[(j + 2)..<close])
            guard !href.contains(" ") else { return nil }
            return (String(chars[(start + 1)..<j]), href, close + 1)
        }

        /// Links the report may carry: relative paths, http(s) and anchors — never `javascript:` or `data:`.
        func isSafeHref(_ href: String) -> Bool {
            let lower = href.lowercased()
            if lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("#") { return true }
            guard let colon = lower.firstIndex(of: ":") else { return true }
            let slash = lower.firstIndex(of: "/") ?? lower.endIndex
            return slash < colon
        }
    }
}
