import Foundation

/// Durations written as `30m`, `4h`, `2d`, `1w`, or combined `1d12h`.
public enum DurationText {
    public static func seconds(_ text: String) -> Int64? {
        var total: Int64 = 0
        var number: Int64? = nil
        var any = false
        for c in text.trimmingCharacters(in: .whitespaces) {
            if let d = c.wholeNumberValue, c.isASCII {
                number = (number ?? 0) * 10 + Int64(d)
                if number! > 1_000_000 { return nil }
            } else {
                guard let n = number else { return nil }
                switch c {
                case "s": total += n
                case "m": total += n * 60
                case "h": total += n * 3600
                case "d": total += n * 86_400
                case "w": total += n * 7 * 86_400
                default: return nil
                }
                number = nil
                any = true
            }
        }
        guard any, number == nil, total > 0 else { return nil }
        return total
    }

    /// Human text for a number of seconds, e.g. `2d 4h`, `45m`.
    public static func human(_ seconds: Double) -> String {
        let s = max(0, seconds)
        if s < 60 { return "\(Int(s))s" }
        if s < 3600 { return "\(Int(s / 60))m" }
        if s < 86_400 {
            let h = Int(s / 3600), m = Int(s.truncatingRemainder(dividingBy: 3600) / 60)
            return m > 0 ? "\(h)h \(m)m" : "\(h)h"
        }
        let d = Int(s / 86_400), h = Int(s.truncatingRemainder(dividingBy: 86_400) / 3600)
        return h > 0 ? "\(d)d \(h)h" : "\(d)d"
    }
}
