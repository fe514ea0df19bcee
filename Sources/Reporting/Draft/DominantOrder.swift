/// The dominant order of a service's steps, from each ticket's completed steps in order of first completion.
///
/// Step a precedes step b by majority when more tickets completed a before b than b before a (a ticket votes once per
/// pair of steps it completed at different instants). The order is built by taking, again and again, the remaining
/// step with the fewest majority predecessors among the remaining steps (none, unless the majority relation has a
/// cycle), ties broken by the lower mean relative position (a step's place among its ticket's k completed steps,
/// (i − 1) / (k − 1), over the tickets with k ≥ 2; 0.5 for a step never completed beside another), then by step key.
/// Steps no ticket completed (only skipped) have no place in time: they come last, in the order given (the current
/// definition's). When every ticket keeps one order, this is that order. `followed` counts the tickets whose steps came in it:
/// ordered by first completion (equal instants in the drafted order), no step comes after one drafted later.
struct DominantOrder {
    let steps: [String]
    let followed: Int

    init(sequences: [[(step: String, at: Int64)]], steps all: [String]) {
        var index: [String: Int] = [:]
        for s in all where index[s] == nil { index[s] = index.count }
        for seq in sequences { for e in seq where index[e.step] == nil { index[e.step] = index.count } }
        let names = index.sorted { $0.value < $1.value }.map(\.key)
        let n = names.count
        var before = [Int: Int]()   // a * n + b -> tickets with a first completed before b
        var positionSum = [Double](repeating: 0, count: n), positionCount = [Int](repeating: 0, count: n)
        for seq in sequences {
            let ids = seq.map { index[$0.step]! }
            for (i, a) in ids.enumerated() {
                if ids.count > 1 { positionSum[a] += Double(i) / Double(ids.count - 1); positionCount[a] += 1 }
                for j in (i + 1)..<max(i + 1, ids.count) where seq[j].at > seq[i].at { before[a * n + ids[j], default: 0] += 1 }
            }
        }
        let meanPosition = (0..<n).map { positionCount[$0] > 0 ? positionSum[$0] / Double(positionCount[$0]) : 0.5 }
        var successors = [[Int]](repeating: [], count: n), predecessors = [Int](repeating: 0, count: n)
        for (pair, count) in before {
            let a = pair / n, b = pair % n
            if count > before[b * n + a, default: 0] { successors[a].append(b); predecessors[b] += 1 }
        }
        let completed = Set(sequences.flatMap { $0.map { index[$0.step]! } })
        var remaining = completed, order: [Int] = []
        while let next = remaining.min(by: { x, y in
            (predecessors[x], meanPosition[x], names[x]) < (predecessors[y], meanPosition[y], names[y])
        }) {
            remaining.remove(next)
            order.append(next)
            for s in successors[next] { predecessors[s] -= 1 }
        }
        order += (0..<n).filter { !completed.contains($0) }
        steps = order.map { names[$0] }
        var place = [Int](repeating: 0, count: n)
        for (p, s) in order.enumerated() { place[s] = p }
        followed = sequences.filter { seq in
            let ranked = seq.map { (at: $0.at, place: place[index[$0.step]!]) }.sorted { ($0.at, $0.place) < ($1.at, $1.place) }
            return zip(ranked, ranked.dropFirst()).allSatisfy { $0.place <= $1.place }
        }.count
    }
}
