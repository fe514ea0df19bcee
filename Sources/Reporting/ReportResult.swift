import SQLite

/// The one computation of a report run, which every renderer (CSV, HTML, XLSX) draws from, so that
/// the three formats show the same numbers.
public struct ReportResult: Sendable {
    /// The report definition's name (file stem) and title.
    public var name: String
    public var title: String
    public var description: String
    /// The window [from, to) and the as_of instant, Unix seconds UTC.
    public var from: Int64
    public var to: Int64
    public var asOf: Int64
    public var generatedAt: Int64
    /// The store the numbers came from (path).
    public var store: String
    /// Headline numbers shown at the top, with the previous period's value for the change.
    public var headlines: [Headline]
    public var sections: [SectionResult]
    /// The definitions section: (term, text) pairs, e.g. the percentile method and the thresholds in force.
    public var definitions: [(String, String)]

    public init(name: String, title: String, description: String, from: Int64, to: Int64, asOf: Int64, generatedAt: Int64,
                store: String, headlines: [Headline], sections: [SectionResult], definitions: [(String, String)]) {
        self.name = name; self.title = title; self.description = description; self.from = from; self.to = to
        self.asOf = asOf; self.generatedAt = generatedAt; self.store = store; self.headlines = headlines
        self.sections = sections; self.definitions = definitions
    }
}

/// A headline number and its value in the previous period of the same length.
public struct Headline: Sendable, Equatable {
    public var key: String
    public var label: String
    public var unit: ColumnUnit
    public var value: Double?
    public var previous: Double?
    /// True when a rise is good news (throughput), false when it is bad (lead time).
    public var higherIsBetter: Bool

    public init(key: String, label: String, unit: ColumnUnit, value: Double?, previous: Double?, higherIsBetter: Bool) {
        self.key = key; self.label = label; self.unit = unit; self.value = value; self.previous = previous
        self.higherIsBetter = higherIsBetter
    }
}

/// What a column holds, which decides how each renderer shows it.
/// Values: `count` and `number` are numbers; `hours` a duration in hours; `ratio` a fraction shown as a
/// percentage in HTML/XLSX (CSV keeps the fraction); `instant` an integer of Unix seconds UTC (CSV: ISO 8601,
/// XLSX: an Excel date-time); `text` a string; `week` an ISO week label.
public enum ColumnUnit: String, Codable, Sendable, CaseIterable {
    case text, count, number, hours, ratio, instant, week
}

public struct ColumnSpec: Sendable, Equatable {
    /// The column name in the query result and the CSV header.
    public var name: String
    /// The heading people read in HTML/XLSX.
    public var label: String
    public var unit: ColumnUnit

    public init(name: String, label: String, unit: ColumnUnit) {
        self.name = name; self.label = label; self.unit = unit
    }
}

/// A chart of a section, drawn by the renderers from the section's own rows.
public struct ChartSpec: Sendable, Equatable, Codable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case bar, stackedBar = "stacked_bar", line, scatter
    }
    public var kind: Kind
    public var title: String
    /// The column on the x axis.
    public var x: String
    /// The value columns (one series each), or one column split into series by `series`.
    public var y: [String]
    /// A column whose values split rows into series (e.g. service), when given.
    public var series: String?
    public var xLabel: String?
    public var yLabel: String?
    /// Scatter: columns of the same rows whose (constant) values are drawn as horizontal reference lines,
    /// e.g. p50/p85/p95 of lead time.
    public var referenceLines: [String]?
    /// Scatter: a column whose value colours each point (e.g. verdict).
    public var colorBy: String?

    public init(kind: Kind, title: String, x: String, y: [String], series: String? = nil, xLabel: String? = nil,
                yLabel: String? = nil, referenceLines: [String]? = nil, colorBy: String? = nil) {
        self.kind = kind; self.title = title; self.x = x; self.y = y; self.series = series; self.xLabel = xLabel
        self.yLabel = yLabel; self.referenceLines = referenceLines; self.colorBy = colorBy
    }

    enum CodingKeys: String, CodingKey {
        case kind = "type", title, x, y, series, colorBy = "color_by"
        case xLabel = "x_label", yLabel = "y_label", referenceLines = "reference_lines"
    }
}

/// One section's result: the rows of its query, the columns to show and an optional chart.
public struct SectionResult: Sendable {
    /// File stem of the section's CSV (e.g. `throughput` → `throughput.csv`) and its sheet name.
    public var key: String
    public var title: String
    public var description: String
    public var columns: [ColumnSpec]
    public var rows: [[SQLValue]]
    public var chart: ChartSpec?
    /// When true, the renderers mark rows as alerts (e.g. stalled steps).
    public var highlight: Bool

    public init(key: String, title: String, description: String, columns: [ColumnSpec], rows: [[SQLValue]],
                chart: ChartSpec? = nil, highlight: Bool = false) {
        self.key = key; self.title = title; self.description = description; self.columns = columns
        self.rows = rows; self.chart = chart; self.highlight = highlight
    }
}
