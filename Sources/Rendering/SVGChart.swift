import BatonCore
import Foundation
import Reporting
import SQLite

/// Draws a `ChartData` as inline SVG: axes with ticks and unit labels, a legend, a title, and a `<title>` on
/// every mark. Colours come from CSS classes (`c0`…`c7`, a series' `ChartPalette` colour) so the page's light and
/// dark palettes apply.
public enum SVGChart {
    static let width = 760.0
    static let plotLeft = 72.0
    static let plotRight = 24.0
    static let plotHeight = 260.0

    /// The `<svg>` element for a chart; `id` must be unique in the page (it prefixes the element ids).
    public static func render(_ data: ChartData, id: String) -> String {
        let layout = Layout(data)
        let y = YScale(data, top: layout.top)
        let x = XScale(data, layout: layout)
        var svg = header(data, id: id, layout: layout)
        svg += legend(layout.legendItems)
        svg += yAxis(data, y, layout: layout)
        svg += xAxis(data, x, y, layout: layout)
        svg += "<g class=\"marks\">\n"
        switch data.spec.kind {
        case .bar: svg += bars(data, x, y)
        case .stackedBar: svg += stackedBars(data, x, y)
        case .line: svg += lines(data, x, y)
        case .scatter: svg += scatter(data, x, y)
        }
        svg += referenceLines(data, x, y)
        svg += "</g>\n</svg>"
        return svg
    }

    /// One legend entry placed at `x` on legend line `line`; `mark` is "line", "dot", "ref" or "box".
    private struct LegendItem {
        var x: Double
        var line: Int
        var name: String
        var cls: String
        var mark: String
    }

    /// Where things go: the legend laid out in lines that fit the width, the plot's top, width and the room
    /// below it (more when the x labels are rotated), and the chart's height.
    private struct Layout {
        var legendItems: [LegendItem] = []
        var top: Double
        var plotW: Double
        var xLabelsRotated: Bool
        var bottom: Double
        var height: Double

        init(_ data: ChartData) {
            // Legend entries: series, then reference lines.
            var legend: [(name: String, cls: String, mark: String)] = []
            let seriesMark = data.spec.kind == .line ? "line" : (data.spec.kind == .scatter ? "dot" : "box")
            for s in data.series { legend.append((s.name, "c\(s.color)", seriesMark)) }
            for r in data.references { legend.append((r.name, "ref", "ref")) }
            // Lay the legend out in lines that fit the width.
            var lx = plotLeft, line = 0
            for item in legend {
                let w = 26 + Double(item.name.count) * 6.6 + 14
                if lx + w > width - plotRight, lx > plotLeft { line += 1; lx = plotLeft }
                legendItems.append(LegendItem(x: lx, line: line, name: item.name, cls: item.cls, mark: item.mark))
                lx += w
            }
            let legendLines = legend.isEmpty ? 0 : line + 1
            top = 34.0 + Double(legendLines) * 18 + 8
            plotW = width - plotLeft - plotRight
            xLabelsRotated = !data.numericX && data.categoryTicks.contains { $0.count > 8 } && data.categories.count > 4
            let longest = Double(data.categoryTicks.map(\.count).max() ?? 0)
            bottom = xLabelsRotated ? 40 + min(longest, 24) * 6.6 * 0.65 : 58.0
            height = top + plotHeight + bottom
        }
    }

    /// The y axis: nice ticks over everything drawn (bars, stacks, points and reference lines, and 0).
    private struct YScale {
        var ticks: [Double]
        var y0: Double
        var y1: Double
        var top: Double

        init(_ data: ChartData, top: Double) {
            let ys = YScale.domain(data)
            ticks = Axis.niceTicks(ys.min()!, ys.max()!)
            y0 = ticks.first!
            y1 = ticks.last!
            self.top = top
        }

        /// The y coordinate of a value.
        func py(_ v: Double) -> Double { top + plotHeight - (v - y0) / (y1 - y0) * plotHeight }

        /// Every y value the chart draws, and 0: a stacked bar counts as its positive and its negative total.
        static func domain(_ data: ChartData) -> [Double] {
            var ys: [Double] = [0]
            switch data.spec.kind {
            case .stackedBar:
                for c in data.categories.indices {
                    var pos = 0.0, neg = 0.0
                    for s in data.series { if let v = s.values[c] { if v >= 0 { pos += v } else { neg += v } } }
                    ys.append(pos); ys.append(neg)
                }
            case .bar, .line:
                for s in data.series { ys += s.values.compactMap { $0 } }
            case .scatter:
                for s in data.series { ys += s.points.map(\.y) }
            }
            for r in data.references { ys += ([r.constant] + r.perCategory).compactMap { $0 } }
            return ys
        }
    }

    /// The x axis: a band per category, or (numeric x) a continuous range a little wider than the points;
    /// and the ticks to label, as (x coordinate, label).
    private struct XScale {
        var band: Double
        var plotW: Double
        /// Numeric x: the axis' low end and span; nil for categories.
        var numeric: (x0: Double, span: Double)?
        var ticks: [(Double, String)] = []

        init(_ data: ChartData, layout: Layout) {
            plotW = layout.plotW
            let n = max(data.categories.count, 1)
            band = plotW / Double(n)
            if data.numericX {
                let xs = data.series.flatMap { $0.points.map(\.x) }
                let lo = xs.min() ?? 0, hi = xs.max() ?? 1
                let ticks = data.xUnit == .instant ? Axis.timeTicks(lo, hi) : Axis.niceTicks(lo, hi).map { ($0, Axis.tickLabel($0, unit: data.xUnit)) }
                // A little room either side so the outermost points are not cut by the plot's edge.
                let pad = max(hi - lo, 1) * 0.03
                let x0 = min(ticks.first?.0 ?? lo, lo - pad), x1 = max(ticks.last?.0 ?? hi, hi + pad)
                numeric = (x0, x1 > x0 ? x1 - x0 : 1)
                self.ticks = ticks.filter { $0.0 >= x0 && $0.0 <= x1 }.map { (px($0.0), $0.1) }
            } else {
                let maxLabels = layout.xLabelsRotated ? Int(plotW / 20) : max(1, Int(plotW / (Double(data.categoryTicks.map(\.count).max() ?? 4) * 6.6 + 10)))
                let every = max(1, (data.categories.count + maxLabels - 1) / maxLabels)
                for (c, label) in data.categoryTicks.enumerated() where c % every == 0 { ticks.append((bandCenter(c), label)) }
            }
        }

        /// The centre of category `c`'s band.
        func bandCenter(_ c: Int) -> Double { plotLeft + band * (Double(c) + 0.5) }

        /// The x coordinate of a value (numeric x), else of category `Int(x)`'s band centre.
        func px(_ x: Double) -> Double {
            guard let n = numeric else { return bandCenter(Int(x)) }
            return plotLeft + (x - n.x0) / n.span * plotW
        }
    }

    /// The opening `<svg>` tag, its `<title>` and `<desc>`, and the visible title.
    private static func header(_ data: ChartData, id: String, layout: Layout) -> String {
        let esc = HTMLEscape.text
        let title = data.spec.title
        return """
        <svg class="chart" id="\(id)" role="img" aria-label="\(esc(title))" aria-describedby="\(id)-desc" \
        viewBox="0 0 \(f(width)) \(f(layout.height))" preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">
        <title>\(esc(title))</title>
        <desc id="\(id)-desc">\(esc(description(data)))</desc>
        <text class="chart-title" x="\(f(plotLeft))" y="20">\(esc(title))</text>

        """
    }

    /// The legend: per entry a swatch of its mark (line, dot, reference line or box) and its name.
    private static func legend(_ items: [LegendItem]) -> String {
        let esc = HTMLEscape.text
        var svg = ""
        for item in items {
            let (x, y) = (item.x, 34.0 + Double(item.line) * 18)
            svg += "<g class=\"legend-item\">"
            switch item.mark {
            case "line": svg += "<line class=\"line \(item.cls)\" x1=\"\(f(x))\" y1=\"\(f(y - 4))\" x2=\"\(f(x + 18))\" y2=\"\(f(y - 4))\"/>"
            case "dot": svg += "<circle class=\"dot \(item.cls)\" cx=\"\(f(x + 9))\" cy=\"\(f(y - 4))\" r=\"4\"/>"
            case "ref": svg += "<line class=\"refline\" x1=\"\(f(x))\" y1=\"\(f(y - 4))\" x2=\"\(f(x + 18))\" y2=\"\(f(y - 4))\"/>"
            default: svg += "<rect class=\"bar \(item.cls)\" x=\"\(f(x))\" y=\"\(f(y - 10))\" width=\"14\" height=\"12\"/>"
            }
            svg += "<text x=\"\(f(x + 24))\" y=\"\(f(y))\">\(esc(item.name))</text></g>\n"
        }
        return svg
    }

    /// The horizontal grid, the y tick labels and the y axis label.
    private static func yAxis(_ data: ChartData, _ y: YScale, layout: Layout) -> String {
        let esc = HTMLEscape.text
        var svg = "<g class=\"axis y-axis\">\n"
        for t in y.ticks {
            svg += "<line class=\"grid\" x1=\"\(f(plotLeft))\" y1=\"\(f(y.py(t)))\" x2=\"\(f(width - plotRight))\" y2=\"\(f(y.py(t)))\"/>"
            svg += "<text class=\"tick\" x=\"\(f(plotLeft - 6))\" y=\"\(f(y.py(t) + 4))\" text-anchor=\"end\">\(esc(Axis.tickLabel(t, unit: data.yUnit)))</text>\n"
        }
        svg += "<text class=\"axis-label\" transform=\"translate(16 \(f(layout.top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">\(esc(data.yLabel))</text>\n</g>\n"
        return svg
    }

    /// The x axis line (at 0, or the domain's edge nearest it), tick marks, tick labels (rotated when long) and the
    /// x axis label.
    private static func xAxis(_ data: ChartData, _ x: XScale, _ y: YScale, layout: Layout) -> String {
        let esc = HTMLEscape.text
        let (y0, y1) = (y.y0, y.y1)
        var svg = "<g class=\"axis x-axis\">\n<line class=\"axis-line\" x1=\"\(f(plotLeft))\" y1=\"\(f(y.py(max(y0, min(0, y1)))))\" x2=\"\(f(width - plotRight))\" y2=\"\(f(y.py(max(y0, min(0, y1)))))\"/>\n"
        let baseY = layout.top + plotHeight
        for (tx, label) in x.ticks {
            svg += "<line class=\"tick-mark\" x1=\"\(f(tx))\" y1=\"\(f(baseY))\" x2=\"\(f(tx))\" y2=\"\(f(baseY + 5))\"/>"
            if layout.xLabelsRotated {
                svg += "<text class=\"tick\" transform=\"translate(\(f(tx + 3)) \(f(baseY + 14))) rotate(-40)\" text-anchor=\"end\">\(esc(label))</text>\n"
            } else {
                svg += "<text class=\"tick\" x=\"\(f(tx))\" y=\"\(f(baseY + 18))\" text-anchor=\"middle\">\(esc(label))</text>\n"
            }
        }
        svg += "<text class=\"axis-label\" x=\"\(f(plotLeft + x.plotW / 2))\" y=\"\(f(layout.height - 8))\" text-anchor=\"middle\">\(esc(data.xLabel))</text>\n</g>\n"
        return svg
    }

    /// Grouped bars: the series side by side in each category's band.
    private static func bars(_ data: ChartData, _ x: XScale, _ y: YScale) -> String {
        let band = x.band
        var svg = ""
        let k = Double(max(data.series.count, 1))
        // Bars no wider than 48 px, centred in their band, however few categories there are.
        let w = min(band * 0.8 / k, 48)
        let groupStart = (band - w * k) / 2
        for (i, s) in data.series.enumerated() {
            for (c, v) in s.values.enumerated() {
                guard let v else { continue }
                let bx = plotLeft + band * Double(c) + groupStart + w * Double(i)
                let (ya, yb) = (y.py(max(v, 0)), y.py(min(v, 0)))
                svg += mark("rect", "bar", color: s.color, "x=\"\(f(bx))\" y=\"\(f(ya))\" width=\"\(f(max(w - 1, 0.5)))\" height=\"\(f(max(yb - ya, 0)))\"",
                            title: valueTitle(data, c, s, v))
            }
        }
        return svg
    }

    /// Stacked bars: positive values stack up from 0, negative ones down.
    private static func stackedBars(_ data: ChartData, _ x: XScale, _ y: YScale) -> String {
        let band = x.band
        var svg = ""
        let w = min(band * 0.7, 64)
        for c in data.categories.indices {
            var pos = 0.0, neg = 0.0
            for s in data.series {
                guard let v = s.values[c], v != 0 else { continue }
                let (a, b): (Double, Double)
                if v >= 0 { (a, b) = (pos, pos + v); pos += v } else { (a, b) = (neg + v, neg); neg += v }
                let bx = plotLeft + band * Double(c) + (band - w) / 2
                svg += mark("rect", "bar", color: s.color, "x=\"\(f(bx))\" y=\"\(f(y.py(b)))\" width=\"\(f(max(w, 0.5)))\" height=\"\(f(max(y.py(a) - y.py(b), 0)))\"",
                            title: valueTitle(data, c, s, v))
            }
        }
        return svg
    }

    /// Lines: a path per series, broken where a category has no value, with a dot per value when there are
    /// at most 60 categories.
    private static func lines(_ data: ChartData, _ x: XScale, _ y: YScale) -> String {
        var svg = ""
        for s in data.series {
            var d = "", pen = false
            for (c, v) in s.values.enumerated() {
                guard let v else { pen = false; continue }
                d += (pen ? " L" : " M") + "\(f(x.bandCenter(c))) \(f(y.py(v)))"
                pen = true
            }
            svg += "<path class=\"line c\(s.color)\" d=\"\(d.trimmingCharacters(in: .whitespaces))\"/>\n"
            if data.categories.count <= 60 {
                for (c, v) in s.values.enumerated() {
                    guard let v else { continue }
                    svg += mark("circle", "dot", color: s.color, "cx=\"\(f(x.bandCenter(c)))\" cy=\"\(f(y.py(v)))\" r=\"3\"", title: valueTitle(data, c, s, v))
                }
            }
        }
        return svg
    }

    /// Scatter: a dot per point; over categories, jittered within the band so points do not hide each other.
    private static func scatter(_ data: ChartData, _ x: XScale, _ y: YScale) -> String {
        var svg = ""
        for s in data.series {
            for p in s.points {
                var px = x.px(p.x)
                if !data.numericX { px += Axis.jitter(p.row) * x.band * 0.6 }
                let xText = data.numericX ? ValueText.display(data.xUnit == .instant ? .integer(Int64(p.x)) : .real(p.x), unit: data.xUnit)
                                          : data.categories[Int(p.x)]
                // The row's own name first (e.g. service · step), then its series and values.
                let about = p.label.isEmpty || p.label == s.name ? "" : "\(p.label) — "
                svg += mark("circle", "dot", color: s.color, "cx=\"\(f(px))\" cy=\"\(f(y.py(p.y)))\" r=\"3.5\"",
                            title: "\(about)\(s.name): \(data.xLabel) \(xText), \(data.yLabel) \(ValueText.number(p.y, unit: data.yUnit))")
            }
        }
        return svg
    }

    /// A data mark (a bar or a dot) in its series' colour, titled with its value: every mark is drawn this one
    /// way. `geometry` is its position and size attributes.
    private static func mark(_ element: String, _ kind: String, color: Int, _ geometry: String, title: String) -> String {
        "<\(element) class=\"\(kind) c\(color)\" \(geometry)><title>\(HTMLEscape.text(title))</title></\(element)>\n"
    }

    /// The title of a category's value: `category · series: value`.
    private static func valueTitle(_ data: ChartData, _ c: Int, _ s: ChartData.Series, _ v: Double) -> String {
        "\(data.categories[c]) · \(s.name): \(ValueText.number(v, unit: data.yUnit))"
    }

    /// Reference lines: across the chart when constant, else a segment per category. Labels of lines close
    /// together are pushed apart so they stay readable.
    private static func referenceLines(_ data: ChartData, _ x: XScale, _ y: YScale) -> String {
        let esc = HTMLEscape.text
        let (band, yu) = (x.band, data.yUnit)
        var svg = ""
        var labelYs: [(y: Double, text: String)] = []
        for r in data.references {
            if let v = r.constant {
                svg += "<line class=\"refline\" x1=\"\(f(plotLeft))\" y1=\"\(f(y.py(v)))\" x2=\"\(f(width - plotRight))\" y2=\"\(f(y.py(v)))\"><title>\(esc("\(r.name): \(ValueText.number(v, unit: yu))"))</title></line>\n"
                labelYs.append((y.py(v) - 4, "\(r.name) \(ValueText.number(v, unit: yu))"))
            } else if !data.numericX {
                for (c, v) in r.perCategory.enumerated() {
                    guard let v else { continue }
                    let rx = plotLeft + band * Double(c)
                    svg += "<line class=\"refline\" x1=\"\(f(rx + band * 0.1))\" y1=\"\(f(y.py(v)))\" x2=\"\(f(rx + band * 0.9))\" y2=\"\(f(y.py(v)))\"><title>\(esc("\(data.categories[c]) · \(r.name): \(ValueText.number(v, unit: yu))"))</title></line>\n"
                }
            }
        }
        labelYs.sort { $0.y < $1.y }
        for i in labelYs.indices.dropFirst() where labelYs[i].y - labelYs[i - 1].y < 13 { labelYs[i].y = labelYs[i - 1].y + 13 }
        for l in labelYs {
            svg += "<text class=\"ref-label\" x=\"\(f(width - plotRight - 4))\" y=\"\(f(l.y))\" text-anchor=\"end\">\(esc(l.text))</text>\n"
        }
        return svg
    }

    /// A sentence for screen readers: what is plotted against what, and how many points.
    static func description(_ data: ChartData) -> String {
        var s = "\(data.yLabel) by \(data.xLabel)"
        if !data.series.isEmpty { s += "; series: " + data.series.map(\.name).joined(separator: ", ") }
        if !data.references.isEmpty { s += "; reference lines: " + data.references.map(\.name).joined(separator: ", ") }
        s += "; \(data.drawnRows) of \(data.totalRows) rows drawn"
        if let cap = data.capNote { s += " (\(cap))" }
        s += ". The table below holds the exact values."
        return s
    }

    static func f(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        let r = (v * 10).rounded() / 10
        return r == r.rounded() ? String(Int64(r)) : String(format: "%.1f", r)
    }
}

/// Tick placement for chart axes.
enum Axis {
    /// About five "nice" ticks (1, 2, 2.5, 5 × 10ᵏ apart) covering [lo, hi].
    static func niceTicks(_ lo: Double, _ hi: Double, count: Int = 5) -> [Double] {
        var lo = lo, hi = hi
        if !(lo.isFinite && hi.isFinite) { return [0, 1] }
        if hi == lo { if hi == 0 { hi = 1 } else if hi > 0 { lo = 0 } else { hi = 0 } }
        let raw = (hi - lo) / Double(count)
        let mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
        let start = floor(lo / step) * step, end = ceil(hi / step) * step
        var ticks: [Double] = []
        var t = start
        while t <= end + step * 1e-9 { ticks.append(abs(t) < step * 1e-9 ? 0 : t); t += step }
        return ticks.count >= 2 ? ticks : [start, start + step]
    }

    /// Ticks on an instant axis at whole hours, days, weeks or months, UTC.
    static func timeTicks(_ lo: Double, _ hi: Double) -> [(Double, String)] {
        let span = max(hi - lo, 3600)
        let steps: [Double] = [3600, 6 * 3600, 86_400, 2 * 86_400, 7 * 86_400, 14 * 86_400, 28 * 86_400, 91 * 86_400, 364 * 86_400]
        let step = steps.first { span / $0 <= 7 } ?? steps.last!
        // Weekly steps start on Monday (1970-01-05 was one); others on UTC midnight or the hour.
        let origin: Double = step >= 7 * 86_400 ? 4 * 86_400 : 0
        var t = floor((lo - origin) / step) * step + origin
        var ticks: [(Double, String)] = []
        while t <= hi + 1 {
            let (y, m, d, hh, _, _) = Instant.civil(Int64(t))
            let label = step < 86_400 ? String(format: "%02d-%02d %02d:00", m, d, hh) : String(format: "%04d-%02d-%02d", y, m, d)
            if t >= lo - step { ticks.append((t, label)) }
            t += step
        }
        return ticks
    }

    static func tickLabel(_ v: Double, unit: ColumnUnit) -> String {
        if unit == .ratio { return ValueText.fixed(v * 100, abs(v * 100 - (v * 100).rounded()) < 1e-9 ? 0 : 1) + "%" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return abs(v) >= 10 ? ValueText.fixed(v, 1) : ValueText.fixed(v, 2)
    }

    /// A deterministic offset in [-0.5, 0.5) so points of one category do not hide each other.
    static func jitter(_ row: Int) -> Double {
        Double((UInt64(row) &* 2_654_435_761) % 1000) / 1000 - 0.5
    }
}
