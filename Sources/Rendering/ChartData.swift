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
    }

    public struct Point: Sendable {
        public var x: Double
        public var y: Double
        /// The row of the section the point came from.
        public var row: Int
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
    /// Most categories a bar or line chart draws (the last ones, which for time series are the latest).
    public static let maxCategories = 400

    /// Builds the chart data, or throws when the spec names a column the section does not have.
    public init(section: SectionResult, spec: ChartSpec) throws {
        self.spec = spec
        func column(_ name: String) throws -> Int {
            guard let i = section.columns.firstIndex(where: { $0.name == name }) else {
                let known = section.columns.map(\.name).joined(separator: ", ")
                throw RenderError("section '\(section.key)': chart '\(spec.title)' names column '\(name)', which is not one of: \(known)")
            }
            return i
        }
        let xi = try column(spec.x)
        let yis = try spec.y.map(column)
        guard !yis.isEmpty else { throw RenderError("section '\(section.key)': chart '\(spec.title)' has no y column") }
        let split = try (spec.kind == .scatter ? (spec.colorBy ?? spec.series) : spec.series).map(column)
        let refs = try (spec.referenceLines ?? []).map(column)
        let cols = section.columns
        xUnit = cols[xi].unit
        yUnit = cols[yis[0]].unit
        xLabel = spec.xLabel ?? ChartData.axisLabel(cols[xi])
        yLabel = spec.yLabel ?? (yis.count == 1 ? ChartData.axisLabel(cols[yis[0]]) : ChartData.unitLabel(yUnit) ?? "")
        totalRows = section.rows.count

        let rows = section.rows
        // A short row (fewer values than columns) reads as empty cells rather than trapping.
        func at(_ row: [SQLValue], _ i: Int) -> SQLValue { i < row.count ? row[i] : .null }
        let numericX = spec.kind == .scatter && xUnit != .text && xUnit != .week
        self.numericX = numericX

        // Series names: split values in order of first appearance, crossed with the y columns when several.
        var splitNames: [String] = []
        var splitIndex: [String: Int] = [:]
        if let s = split {
            for row in rows {
                let name = ValueText.display(at(row, s), unit: cols[s].unit)
                if splitIndex[name] == nil { splitIndex[name] = splitNames.count; splitNames.append(name) }
            }
        }
        func seriesName(_ splitName: String?, _ yPos: Int) -> String {
            guard let sn = splitName else { return cols[yis[yPos]].label }
            return yis.count == 1 ? sn : "\(sn) · \(cols[yis[yPos]].label)"
        }
        let groups = split == nil ? [nil] : splitNames.map { Optional($0) }
        var seriesList: [Series] = []
        for g in groups { for p in yis.indices { seriesList.append(Series(name: seriesName(g, p), values: [], points: [])) } }
        func seriesIndex(_ row: [SQLValue], _ yPos: Int) -> Int {
            guard let s = split else { return yPos }
            return splitIndex[ValueText.display(at(row, s), unit: cols[s].unit)]! * yis.count + yPos
        }

        var cats: [String] = []
        var refsOut = refs.map { Reference(name: cols[$0].label, constant: nil, perCategory: []) }
        if numericX {
            let step = max(1, (rows.count + ChartData.maxScatterPoints - 1) / ChartData.maxScatterPoints)
            var drawn = 0
            for (r, row) in rows.enumerated() where r % step == 0 {
                guard let x = at(row, xi).double else { continue }
                drawn += 1
                for (p, yi) in yis.enumerated() {
                    if let y = at(row, yi).double { seriesList[seriesIndex(row, p)].points.append(Point(x: x, y: y, row: r)) }
                }
            }
            drawnRows = drawn
        } else {
            // Categories in order of first appearance, or ascending for numeric and instant x.
            var catIndex: [String: Int] = [:]
            var catKeys: [(label: String, key: Double?)] = []
            for row in rows {
                let label = ValueText.display(at(row, xi), unit: xUnit)
                if catIndex[label] == nil { catIndex[label] = catKeys.count; catKeys.append((label, at(row, xi).double)) }
            }
            if xUnit != .text, xUnit != .week, catKeys.allSatisfy({ $0.key != nil }) {
                catKeys.sort { $0.key! < $1.key! }
            }
            if catKeys.count > ChartData.maxCategories { catKeys = Array(catKeys.suffix(ChartData.maxCategories)) }
            cats = catKeys.map(\.label)
            if xUnit == .instant {
                let times = catKeys.map { Int64(($0.key ?? 0).rounded(.down)) }
                let midnights = times.allSatisfy { $0 % 86_400 == 0 }
                categoryTicks = times.map { t in
                    let (y, m, d, hh, mm, _) = Instant.civil(t)
                    return midnights ? String(format: "%04d-%02d-%02d", y, m, d) : String(format: "%02d-%02d %02d:%02d", m, d, hh, mm)
                }
            } else {
                categoryTicks = cats
            }
            let xu = cols[xi].unit
            rowOrderCategories = cats.count == rows.count
                && zip(cats, rows).allSatisfy { $0 == ValueText.display(at($1, xi), unit: xu) }
            catIndex = [:]
            for (i, c) in cats.enumerated() { catIndex[c] = i }
            for i in seriesList.indices { seriesList[i].values = Array(repeating: nil, count: cats.count) }
            for i in refsOut.indices { refsOut[i].perCategory = Array(repeating: nil, count: cats.count) }
            var drawn = 0
            let step = spec.kind == .scatter ? max(1, (rows.count + ChartData.maxScatterPoints - 1) / ChartData.maxScatterPoints) : 1
            for (r, row) in rows.enumerated() {
                guard let c = catIndex[ValueText.display(at(row, xi), unit: xUnit)] else { continue }
                for (k, ri) in refs.enumerated() where refsOut[k].perCategory[c] == nil { refsOut[k].perCategory[c] = at(row, ri).double }
                if spec.kind == .scatter {
                    guard r % step == 0 else { continue }
                    drawn += 1
                    for (p, yi) in yis.enumerated() {
                        if let y = at(row, yi).double { seriesList[seriesIndex(row, p)].points.append(Point(x: Double(c), y: y, row: r)) }
                    }
                } else {
                    drawn += 1
                    // Rows sharing a category and series add up (e.g. several rows for one week).
                    for (p, yi) in yis.enumerated() {
                        guard let y = at(row, yi).double else { continue }
                        let s = seriesIndex(row, p)
                        seriesList[s].values[c] = (seriesList[s].values[c] ?? 0) + y
                    }
                }
            }
            drawnRows = drawn
        }
        // A reference column with one value over all rows is one line across the chart.
        for (k, ri) in refs.enumerated() {
            let values = Set(rows.compactMap { at($0, ri).double })
            if values.count == 1 { refsOut[k].constant = values.first }
        }
        categories = cats
        series = seriesList
        references = refsOut
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
