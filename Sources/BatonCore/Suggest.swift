/// "Did you mean …?" suggestions by edit distance.
public enum Suggest {
    /// The closest candidate within a small edit distance, or nil.
    public static func closest(_ word: String, in candidates: [String]) -> String? {
        let limit = max(2, word.count / 3)
        var best: (String, Int)?
        for c in candidates {
            let d = distance(word.lowercased(), c.lowercased())
            if d <= limit, best == nil || d < best!.1 { best = (c, d) }
        }
        return best?.0
    }

    /// `"; did you mean 'x'?"` or the empty string.
    public static func didYouMean(_ word: String, in candidates: [String]) -> String {
        closest(word, in: candidates).map { "; did you mean '\($0)'?" } ?? ""
    }

    public static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// A candidate that `word` is most likely a misspelling of: one edit away (two for words of 8 letters or more),
    /// never `word` itself, and only for words of 3 letters or more (short keys such as `hr` and `it` are two edits
    /// apart without being typos of each other). Stricter than `closest`, for warnings about values that may be new.
    public static func likelyTypo(_ word: String, in candidates: [String]) -> String? {
        guard word.count >= 3 else { return nil }
        let limit = word.count >= 8 ? 2 : 1
        var best: (String, Int)?
        for c in candidates where c != word && c.count >= 3 {
            let d = distance(word.lowercased(), c.lowercased())
            if d <= limit, best == nil || d < best!.1 || (d == best!.1 && c < best!.0) { best = (c, d) }
        }
        return best?.0
    }
}
