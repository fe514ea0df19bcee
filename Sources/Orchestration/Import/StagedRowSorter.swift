import Dispatch
import Foundation

/// A bounded external sort of the rows of a file not grouped by ticket, by ticket (byte order, as SQLite's BINARY
/// collation), time and arrival (file order breaks ties). Rows are kept `runRows` at a time; each full run is
/// sorted and spilled to a temporary file on a background thread while the reader goes on reading (so a
/// time-ordered file keeps both cores busy), and `finish` merges the runs, the last one from memory. Memory stays
/// at about two runs however large the file.
final class StagedRowSorter {
    /// A row and its arrival number.
    struct Item {
        var row: StagedRow
        var seq: Int
    }

    /// A run being merged.
    protocol Source: AnyObject {
        func next() throws -> Item?
    }

    /// Rows per run: 256k rows are about 45 MB as `StagedRow`s (two runs may be held at once, one being spilled).
    static let defaultRunRows = 1 << 18

    private let runRows: Int
    private let directory: String
    private var pending: [StagedRow] = []
    private(set) var count = 0
    private let spiller = DispatchQueue(label: "baton-import-sort")
    private let spilling = DispatchGroup()
    private let spilled = SpilledRuns()

    init(runRows: Int = StagedRowSorter.defaultRunRows, directory: String = NSTemporaryDirectory()) {
        self.runRows = max(runRows, 1)
        self.directory = directory.hasSuffix("/") && directory.count > 1 ? String(directory.dropLast()) : directory
    }

    deinit { spilling.wait() }

    /// Runs spilled (or being spilled) so far.
    private(set) var runs = 0

    func append(_ row: StagedRow) throws {
        pending.append(row)
        count += 1
        if pending.count >= runRows { try spill() }
    }

    /// Hands the full run to the background thread, after the one before it is written (one run spills at a time).
    /// The two run buffers take turns: the spilled one comes back emptied with its capacity, so the reader fills
    /// memory that is already mapped (a fresh 45 MB array per run cost the reader its page faults, 7 % of its time).
    private func spill() throws {
        spilling.wait()
        try spilled.check()
        let run = RunBuffer(pending), first = count - pending.count, directory = directory, spilled = spilled
        pending = spilled.takeSpare() ?? []
        pending.reserveCapacity(runRows)
        runs += 1
        spiller.async(group: spilling) {
            do {
                let file = try StagedRowRunFile(directory: directory)
                try Self.forEachSorted(run.rows) { try file.append(run.rows[$0], seq: first + $0) }
                try file.flush()
                spilled.add(file)
            } catch {
                spilled.fail(error)
            }
            // The only reference now: emptied in place, it keeps its capacity.
            run.rows.removeAll(keepingCapacity: true)
            spilled.giveSpare(run.rows)
            run.rows = []
        }
    }

    /// Calls `body` with the rows' indexes in (ticket, time, index) order.
    static func forEachSorted(_ rows: [StagedRow], _ body: (Int) throws -> Void) rethrows {
        var keys: [Key] = []
        keys.reserveCapacity(rows.count)
        rows.withUnsafeBufferPointer { rows in
            for k in rows.indices { keys.append(Key(ticket: rows[k].ticket, at: rows[k].at, seq: k)) }
            keys.sort { a, b in Key.precedes(a, rows[a.seq].ticket, b, rows[b.seq].ticket) }
        }
        for key in keys { try body(key.seq) }
    }

    /// The rows in order, merged from every run (call once, after the last `append`).
    func finish() throws -> Merge {
        spilling.wait()
        try spilled.check()
        var sources: [any Source] = spilled.take().map(StagedRowRunFile.Reader.init)
        if !pending.isEmpty {
            sources.append(MemoryRun(pending, firstSeq: count - pending.count))
            pending = []
        }
        return try Merge(sources)
    }

    /// The last run, sorted in memory.
    private final class MemoryRun: Source {
        private var rows: [StagedRow]
        private var order: [Int] = []
        private var k = 0
        private let firstSeq: Int

        init(_ rows: [StagedRow], firstSeq: Int) {
            self.rows = rows
            self.firstSeq = firstSeq
            order.reserveCapacity(rows.count)
            StagedRowSorter.forEachSorted(rows) { order.append($0) }
        }

        func next() throws -> Item? {
            guard k < order.count else { rows = []; return nil }
            defer { k += 1 }
            return Item(row: rows[order[k]], seq: firstSeq + order[k])
        }
    }

    /// The sort key: the ticket's first 16 bytes (big-endian, zero-padded: no ticket holds a NUL), its time and
    /// arrival. Tickets longer than 16 bytes with the same first 16 are compared in full.
    struct Key {
        var high: UInt64 = 0, low: UInt64 = 0
        var long: Bool
        var at: Int64
        var seq: Int

        init(_ row: StagedRow, seq: Int) { self.init(ticket: row.ticket, at: row.at, seq: seq) }

        init(ticket: String, at: Int64, seq: Int) {
            var k = 0
            for byte in ticket.utf8 {
                if k < 8 { high |= UInt64(byte) << (56 - 8 * k) } else if k < 16 { low |= UInt64(byte) << (56 - 8 * (k - 8)) } else { break }
                k += 1
            }
            long = k == 16 && ticket.utf8.count > 16
            self.at = at
            self.seq = seq
        }

        /// Whether the two keys are of the same ticket (byte for byte).
        static func sameTicket(_ a: Key, _ aTicket: String, _ b: Key, _ bTicket: String) -> Bool {
            a.high == b.high && a.low == b.low && (!a.long && !b.long || aTicket.utf8.elementsEqual(bTicket.utf8))
        }

        static func precedes(_ a: Key, _ aTicket: @autoclosure () -> String, _ b: Key, _ bTicket: @autoclosure () -> String) -> Bool {
            if a.high != b.high { return a.high < b.high }
            if a.low != b.low { return a.low < b.low }
            if a.long || b.long {
                // Bytes, not `==`: canonically equivalent strings are equal to Swift but distinct tickets to SQLite.
                let x = aTicket().utf8, y = bTicket().utf8
                if !x.elementsEqual(y) { return x.lexicographicallyPrecedes(y) }
            }
            return a.at != b.at ? a.at < b.at : a.seq < b.seq
        }
    }

    /// A k-way merge of sorted runs: a binary heap of the runs' numbers, ordered by their heads' keys (small entries,
    /// so sifting moves no rows).
    final class Merge {
        private let sources: [any Source]
        private var heads: [Item?]
        private var keys: [Key]
        private var heap: [Int] = []
        private var last: (key: Key, ticket: String)?
        /// Whether the row `next` gave last is of the same ticket as the one before it.
        private(set) var sameTicket = false

        init(_ sources: [any Source]) throws {
            self.sources = sources
            heads = try sources.map { try $0.next() }
            keys = heads.map { $0.map { Key($0.row, seq: $0.seq) } ?? Key(ticket: "", at: 0, seq: 0) }
            for k in heads.indices where heads[k] != nil { push(k) }
        }

        func next() throws -> StagedRow? {
            guard let top = heap.first, let item = heads[top] else { return nil }
            let key = keys[top]
            if let following = try sources[top].next() {
                heads[top] = following
                keys[top] = Key(following.row, seq: following.seq)
            } else {
                heads[top] = nil
                heap[0] = heap[heap.count - 1]
                heap.removeLast()
            }
            siftDown(0)
            if let last { sameTicket = Key.sameTicket(last.key, last.ticket, key, item.row.ticket) }
            last = (key, item.row.ticket)
            return item.row
        }

        private func less(_ i: Int, _ j: Int) -> Bool {
            let a = heap[i], b = heap[j]
            return Key.precedes(keys[a], heads[a]!.row.ticket, keys[b], heads[b]!.row.ticket)
        }

        private func push(_ source: Int) {
            heap.append(source)
            var i = heap.count - 1
            while i > 0, less(i, (i - 1) / 2) {
                heap.swapAt(i, (i - 1) / 2)
                i = (i - 1) / 2
            }
        }

        private func siftDown(_ start: Int) {
            var i = start
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < heap.count, less(l, m) { m = l }
                if r < heap.count, less(r, m) { m = r }
                if m == i { return }
                heap.swapAt(i, m)
                i = m
            }
        }
    }
}

/// A run handed to the background thread, which alone uses it from then on (hence `@unchecked Sendable`).
private final class RunBuffer: @unchecked Sendable {
    var rows: [StagedRow]
    init(_ rows: [StagedRow]) { self.rows = rows }
}

/// The runs the background thread has written, and its error: shared with it under a lock (hence
/// `@unchecked Sendable`); a run file is only read once the thread is done with it.
private final class SpilledRuns: @unchecked Sendable {
    private let lock = NSLock()
    private var files: [StagedRowRunFile] = []
    private var failure: (any Error)?

    func add(_ file: StagedRowRunFile) { lock.withLock { files.append(file) } }
    func fail(_ error: any Error) { lock.withLock { failure = error } }
    func check() throws { if let failure = lock.withLock({ failure }) { throw failure } }
    func take() -> [StagedRowRunFile] { lock.withLock { defer { files = []; spare = nil }; return files } }

    /// The emptied buffer of the run spilled last, for the next run.
    private var spare: [StagedRow]?
    func giveSpare(_ rows: [StagedRow]) { lock.withLock { spare = rows } }
    func takeSpare() -> [StagedRow]? { lock.withLock { defer { spare = nil }; return spare } }
}
