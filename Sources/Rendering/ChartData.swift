import BatonCore
import Foundation
import Reporting
import SQLite

/// A chart's data, derived from a section's rows by its `ChartSpec` alone (nothing here knows a report),
/// shared by the SVG and XLSX renderers so both draw the same series.
public struct ChartData: Sendable {
    /// One series: for bar and line charts a value per category (nil = no row), for scatter a list of points.
    public struct Series: Sendable {
        public var name: String
        public var values: [Double?]
        public var points: [Point]
        /// What the colour follows: the split value (a service, team, state, …), else the y column's name.
        public var key: String = ""
        /// Index into `ChartPalette`, from `key` (see `ChartPalette.assign`).
        public var color: Int = 0
    }

    public struct Point: Sendable {
        public var x: Double
        public var y: Double
        /// The row of the section the point came from.
        public var row: Int
        /// What the row is about, for the point's tooltip: its first two text columns other than x and the split
        /// (e.g. service · step), empty when it has none.
        public var label: String = ""
    }

    /// Which categories a capped bar, line or categorical scatter draws.
    public struct CategoryCap: Sendable, Equatable {
        public var kept: Int
        public var total: Int
        /// True: the latest ones (ordered x: instants, numbers, weeks, dates); false: those with the largest total.
        public var latest: Bool
    }

    /// A reference line (scatter): one value for the whole chart, or a value per category.
    public struct Reference: Sendable {
        public var name: String
        public var constant: Double?
        public var perCategory: [Double?]
    }

    public var spec: ChartSpec
    /// Category labels of the x axis (bar, line, and scatter over a text column); empty for a numeric x.
    public var categories: [String]
    /// Shorter labels for the axis ticks (instants: the date alone when every category is a midnight).
    public var categoryTicks: [String] = []
    public var series: [Series]
    public var references: [Reference]
    public var xUnit: ColumnUnit
    public var yUnit: ColumnUnit
    public var xLabel: String
    public var yLabel: String
    /// Rows drawn and rows in the section (a scatter with very many rows is thinned evenly).
    public var drawnRows: Int
    public var totalRows: Int
    /// Bar/line: the categories are the rows' x values in row order (so a chart can use the rows' cells).
    public var rowOrderCategories = false

    /// True when x is a number or instant placed on a continuous axis (scatter only); false for categories.
    public var numericX: Bool

    /// Most points a scatter draws; more rows are thinned to every k-th row (stated under the chart).
    public static let maxScatterPoints = 4000
    /// Most categories drawn on an ordered x axis (instants, numbers, weeks, dates): the latest ones.
    public static let maxCategories = 400
    /// Most categories drawn on a text x axis (teams, services, steps): those with the largest total of the y
    /// values (for a scatter, the most rows), in the rows' order. 30 is what fits with every label shown.
    public static let maxRankedCategories = 30
    /// Set when some categories were left out.
    public var categoryCap: CategoryCap?

    /// Builds the chart data, or throws when the spec names a column the section does not have.
    public init(section: SectionResult, spec: ChartSpec) throws {
        self.spec = spec
        let ix = try Indexes(section: section, spec: spec)
        let cols = section.columns
        xUnit = cols[ix.x].unit
        yUnit = cols[ix.ys[0]].unit
        xLabel = spec.xLabel ?? ChartData.axisLabel(cols[ix.x])
        yLabel = spec.yLabel ?? (ix.ys.count == 1 ? ChartData.axisLabel(cols[ix.ys[0]]) : ChartData.unitLabel(yUnit) ?? "")
        totalRows = section.rows.count

        let rows = section.rows
        let numericX = spec.kind == .scatter && xUnit != .text && xUnit != .week
        self.numericX = numericX
        let keys = SeriesKeys(rows: rows, columns: cols, indexes: ix)
        var seriesList = keys.emptySeries()
        var refsOut = ix.references.map { Reference(name: cols[$0].label, constant: nil, perCategory: []) }
        let xu = cols[ix.x].unit
        if numericX {
            categories = []
            drawnRows = ChartData.placePoints(rows, ix, keys, into: &seriesList)
        } else {
            let (catKeys, cap) = ChartData.categoryKeys(rows, ix, kind: spec.kind, unit: xu)
            categoryCap = cap
            let cats = catKeys.map(\.label)
            categories = cats
            categoryTicks = xu == .instant ? ChartData.instantTicks(catKeys.map(\.key)) : cats
            rowOrderCategories = cats.count == rows.count
                && zip(cats, rows).allSatisfy { $0 == ValueText.display(ChartData.at($1, ix.x), unit: xu) }
            drawnRows = ChartData.fill(rows, kind: spec.kind, ix, keys, categories: cats, unit: xu,
                                       series: &seriesList, references: &refsOut)
        }
        // A reference column with one value over all rows is one line across the chart.
        for (k, ri) in ix.references.enumerated() {
            let values = Set(rows.compactMap { ChartData.at($0, ri).double })
            if values.count == 1 { refsOut[k].constant = values.first }
        }
        let colors = ChartPalette.assign(seriesList.map(\.key))
        for i in seriesList.indices { seriesList[i].color = colors[i] }
        series = seriesList
        references = refsOut
    }

    /// A scatter with more than `maxScatterPoints` rows draws every k-th row: k (1 when every row is drawn).
    public var thinningStep: Int { spec.kind == .scatter ? max(1, (totalRows + ChartData.maxScatterPoints - 1) / ChartData.maxScatterPoints) : 1 }

    /// What a capped chart drew, for its caption: "the 30 of 606 Team values with the largest total step runs".
    public var capNote: String? {
        guard let c = categoryCap else { return nil }
        if c.latest { return "the latest \(c.kept) of \(c.total) \(xLabel) values" }
        let by = spec.kind == .scatter ? "the most rows" : "the largest total \(yLabel.isEmpty ? "value" : yLabel)"
        return "the \(c.kept) of \(c.total) \(xLabel) values with \(by)"
    }

    /// The section columns a chart draws, by index; throws when the spec names a column the section does not have.
    private struct Indexes {
        var x: Int
        var ys: [Int]
        /// The column whose values split the rows into series (scatter: `color_by`, else `series`).
        var split: Int?
        var references: [Int]
        /// Scatter: the columns that name a point's row in its tooltip.
        var labels: [Int] = []

        init(section: SectionResult, spec: ChartSpec) throws {
            func column(_ name: String) throws -> Int {
                guard let i = section.columns.firstIndex(where: { $0.name == name }) else {
                    let known = section.columns.map(\.name).joined(separator: ", ")
                    throw RenderError("section '\(section.key)': chart '\(spec.title)' names column '\(name)', which is not one of: \(known)")
                }
                return i
            }
            x = try column(spec.x)
            ys = try spec.y.map(column)
            guard !ys.isEmpty else { throw RenderError("section '\(section.key)': chart '\(spec.title)' has no y column") }
            split = try (spec.kind == .scatter ? (spec.colorBy ?? spec.series) : spec.series).map(column)
            references = try (spec.referenceLines ?? []).map(column)
            if spec.kind == .scatter {
                let (x, split) = (x, split)
                labels = Array(section.columns.indices.filter { section.columns[$0].unit == .text && $0 != x && $0 != split }.prefix(2))
            }
        }

        func label(_ row: [SQLValue], _ columns: [ColumnSpec]) -> String {
            labels.map { ValueText.display(ChartData.at(row, $0), unit: columns[$0].unit) }.joined(separator: " · ")
        }
    }

    /// Series names: split values in order of first appearance, crossed with the y columns when several; and
    /// which series a row's y column goes to.
    private struct SeriesKeys {
        var columns: [ColumnSpec]
        var ys: [Int]
        var split: Int?
        var splitNames: [String] = []
        var splitIndex: [String: Int] = [:]

        init(rows: [[SQLValue]], columns: [ColumnSpec], indexes ix: Indexes) {
            self.columns = columns
            ys = ix.ys
            split = ix.split
            if let s = split {
                for row in rows {
                    let name = ValueText.display(ChartData.at(row, s), unit: columns[s].unit)
                    if splitIndex[name] == nil { splitIndex[name] = splitNames.count; splitNames.append(name) }
                }
            }
        }

        /// A series without values or points per split value and y column (the y columns vary fastest).
        func emptySeries() -> [Series] {
            let groups = split == nil ? [nil] : splitNames.map { Optional($0) }
            var list: [Series] = []
            for g in groups { for p in ys.indices { list.append(Series(name: name(g, p), values: [], points: [], key: key(g, p))) } }
            return list
        }

        /// The colour key: the split value (with the y column's name when there are several), else the y column's name.
        func key(_ splitName: String?, _ yPos: Int) -> String {
            guard let sn = splitName else { return columns[ys[yPos]].name }
            return ys.count == 1 ? sn : "\(sn) · \(columns[ys[yPos]].name)"
        }

        func name(_ splitName: String?, _ yPos: Int) -> String {
            guard let sn = splitName else { return columns[ys[yPos]].label }
            return ys.count == 1 ? sn : "\(sn) · \(columns[ys[yPos]].label)"
        }

        /// The index in `emptySeries()` of the series for `row`'s y column at `yPos`.
        func index(_ row: [SQLValue], _ yPos: Int) -> Int {
            guard let s = split else { return yPos }
            return splitIndex[ValueText.display(ChartData.at(row, s), unit: columns[s].unit)]! * ys.count + yPos
        }
    }

    /// A short row (fewer values than columns) reads as empty cells rather than trapping.
    private static func at(_ row: [SQLValue], _ i: Int) -> SQLValue { i < row.count ? row[i] : .null }

    /// A scatter over a numeric x: a point per row with a number in x and in a y column, thinned to every k-th
    /// row beyond `maxScatterPoints`. Returns the rows drawn.
    private static func placePoints(_ rows: [[SQLValue]], _ ix: Indexes, _ keys: SeriesKeys, into series: inout [Series]) -> Int {
        let step = max(1, (rows.count + ChartData.maxScatterPoints - 1) / ChartData.maxScatterPoints)
        var drawn = 0
        for (r, row) in rows.enumerated() where r % step == 0 {
            guard let x = at(row, ix.x).double else { continue }
            drawn += 1
            for (p, yi) in ix.ys.enumerated() {
                if let y = at(row, yi).double { series[keys.index(row, p)].points.append(Point(x: x, y: y, row: r, label: ix.label(row, keys.columns))) }
            }
        }
        return drawn
    }

    /// Categories in order of first appearance, or ascending for numeric, instant, week and ISO-day x. Beyond the cap, an ordered
    /// x (numbers, instants, weeks, ISO dates) keeps its latest `maxCategories`; a text x its `maxRankedCategories`
    /// with the largest total of the y values (scatter: the most rows), in their order.
    private static func categoryKeys(_ rows: [[SQLValue]], _ ix: Indexes, kind: ChartSpec.Kind, unit xUnit: ColumnUnit)
        -> ([(label: String, key: Double?)], CategoryCap?) {
        var catIndex: [String: Int] = [:]
        var catKeys: [(label: String, key: Double?)] = []
        var totals: [Double] = []
        for row in rows {
            let label = ValueText.display(at(row, ix.x), unit: xUnit)
            if catIndex[label] == nil { catIndex[label] = catKeys.count; catKeys.append((label, at(row, ix.x).double)); totals.append(0) }
            totals[catIndex[label]!] += kind == .scatter ? 1 : ix.ys.reduce(0) { $0 + abs(at(row, $1).double ?? 0) }
        }
        var ordered = xUnit == .week
        if (xUnit == .week || xUnit == .text) && catKeys.allSatisfy({ isISODate($0.label) || isISOWeek($0.label) }) {
            // ISO weeks and days sort as text in time order, whatever order the rows come in.
            catKeys.sort { $0.label < $1.label }
            ordered = true
        } else if xUnit != .text, catKeys.allSatisfy({ $0.key != nil }) {
            catKeys.sort { $0.key! < $1.key! }
            ordered = true
        }
        let limit = ordered ? maxCategories : maxRankedCategories
        guard catKeys.count > limit else { return (catKeys, nil) }
        if ordered { return (Array(catKeys.suffix(limit)), CategoryCap(kept: limit, total: catKeys.count, latest: true)) }
        // The largest totals (ties: the earlier category), kept in the rows' order; a category totalling 0 would
        // draw nothing, so it is not worth a place.
        let ranked = totals.indices.filter { totals[$0] != 0 }.sorted { totals[$0] != totals[$1] ? totals[$0] > totals[$1] : $0 < $1 }
        let top = Set(ranked.prefix(limit))
        return (catKeys.indices.filter { top.contains($0) }.map { catKeys[$0] }, CategoryCap(kept: top.count, total: catKeys.count, latest: false))
    }

    /// `YYYY-Www`, an ISO week label.
    static func isISOWeek(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard u.count == 8, u[4] == UInt8(ascii: "-"), u[5] == UInt8(ascii: "W") else { return false }
        return [0, 1, 2, 3, 6, 7].allSatisfy { u[$0] >= UInt8(ascii: "0") && u[$0] <= UInt8(ascii: "9") }
    }

    /// `YYYY-MM-DD`, optionally followed by a time: text categories that are days sort by time, not by value.
    static func isISODate(_ s: String) -> Bool {
        let u = Array(s.utf8.prefix(10))
        guard u.count == 10, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-") else { return false }
        return [0, 1, 2, 3, 5, 6, 8, 9].allSatisfy { u[$0] >= UInt8(ascii: "0") && u[$0] <= UInt8(ascii: "9") }
    }

    /// Tick labels of instant categories: the date alone when every category is a midnight, else month, day and time.
    private static func instantTicks(_ keys: [Double?]) -> [String] {
        let times = keys.map { Int64(($0 ?? 0).rounded(.down)) }
        let midnights = times.allSatisfy { $0 % 86_400 == 0 }
        return times.map { t in
            let (y, m, d, hh, mm, _) = Instant.civil(t)
            return midnights ? String(format: "%04d-%02d-%02d", y, m, d) : String(format: "%02d-%02d %02d:%02d", m, d, hh, mm)
        }
    }

    /// Bar, line and a scatter over categories: the series' values per category (rows sharing a category and
    /// series add up) or, for the scatter, a point per row at its category (thinned like a numeric scatter); and
    /// each reference column's first value per category. Returns the rows drawn.
    private static func fill(_ rows: [[SQLValue]], kind: ChartSpec.Kind, _ ix: Indexes, _ keys: SeriesKeys, categories cats: [String],
                             unit xUnit: ColumnUnit, series: inout [Series], references: inout [Reference]) -> Int {
        var catIndex: [String: Int] = [:]
        for (i, c) in cats.enumerated() { catIndex[c] = i }
        for i in series.indices { series[i].values = Array(repeating: nil, count: cats.count) }
        for i in references.indices { references[i].perCategory = Array(repeating: nil, count: cats.count) }
        var drawn = 0
        let step = kind == .scatter ? max(1, (rows.count + ChartData.maxScatterPoints - 1) / ChartData.maxScatterPoints) : 1
        for (r, row) in rows.enumerated() {
            guard let c = catIndex[ValueText.display(at(row, ix.x), unit: xUnit)] else { continue }
            for (k, ri) in ix.references.enumerated() where references[k].perCategory[c] == nil { references[k].perCategory[c] = at(row, ri).double }
            if kind == .scatter {
                guard r % step == 0 else { continue }
                drawn += 1
                for (p, yi) in ix.ys.enumerated() {
                    if let y = at(row, yi).double {
                        series[keys.index(row, p)].points.append(Point(x: Double(c), y: y, row: r, label: ix.label(row, keys.columns)))
                    }
                }
            } else {
                drawn += 1
                // Rows sharing a category and series add up (e.g. several rows for one week).
                for (p, yi) in ix.ys.enumerated() {
                    guard let y = at(row, yi).double else { continue }
                    let s = keys.index(row, p)
                    series[s].values[c] = (series[s].values[c] ?? 0) + y
                }
            }
        }
        return drawn
    }

    /// "Lead time (hours)" style axis label from a column.
    static func axisLabel(_ c: ColumnSpec) -> String {
        guard let u = unitLabel(c.unit), !c.label.lowercased().contains(u) else { return c.label }
        return "\(c.label) (\(u))"
    }

    static func unitLabel(_ u: ColumnUnit) -> String? {
        switch u {
        case .hours: return "hours"
        case .ratio: return "%"
        case .instant: return "UTC"
        default: return nil
        }
    }
}
