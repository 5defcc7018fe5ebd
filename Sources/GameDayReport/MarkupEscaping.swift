/// Text with `&`, `<`, `>` and `"` escaped: safe in HTML and SVG elements and in attribute values. The one escaper of
/// the HTML report and the SVG charts.
func markupEscaped(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for c in text {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        default: out.append(c)
        }
    }
    return out
}
