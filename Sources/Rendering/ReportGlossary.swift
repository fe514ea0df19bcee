import BatonCore
import Reporting
import SQLite

/// The glossary every rendered report ends with (its "Definitions" section): the report's own terms, the percentile method when the
/// report does not state one, the window, as_of, generation time, store, and how numbers are shown.
public enum ReportGlossary {
    public static func terms(_ r: ReportResult, numbersRule: String) -> [(String, String)] {
        var terms = r.definitions
        if !terms.contains(where: { $0.0.lowercased().contains("percentile") }) {
            terms.insert(("Percentile method", "Linear interpolation between closest ranks (Hyndman–Fan type 7, as Excel PERCENTILE.INC and numpy's default)."), at: 0)
        }
        let standard = [
            ("Window", "\(Instant.iso(r.from)) to \(Instant.iso(r.to)), end excluded; counts and percentiles cover items completed in it."),
            ("As of", "\(Instant.iso(r.asOf)): only events at or before this instant are counted; stalled steps and load are as of it."),
            ("Generated at", Instant.iso(r.generatedAt)),
            ("Store", r.store),
            ("Numbers", numbersRule),
        ]
        // The report's own wording wins where it already defines a term.
        let given = Set(terms.map { $0.0.lowercased() })
        terms += standard.filter { !given.contains($0.0.lowercased()) }
        return terms
    }
}
