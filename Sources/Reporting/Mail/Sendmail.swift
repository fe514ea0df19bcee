import Foundation

/// Hands a message file to the system's mail transfer agent as cron does: `sendmail -t -oi` (recipients from the
/// headers; a line of a single `.` does not end the message) with the file on standard input. Anything but exit
/// status 0 (a missing program, a signal, a timeout) is a failed hand-off, thrown with what the program said.
public enum Sendmail {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let message: String
        public var description: String { message }
    }

    /// Runs `program -t -oi < messageFile`, waiting at most `timeout` seconds.
    public static func handOff(messageFile: String, program: String, timeout: Double = 120) throws {
        guard let input = FileHandle(forReadingAtPath: messageFile) else {
            throw Failure(message: "cannot read the message \(messageFile)")
        }
        defer { try? input.close() }
        guard FileManager.default.isExecutableFile(atPath: program) else {
            throw Failure(message: "\(program) is not an executable program (set \"mail\": {\"sendmail\": …} to your MTA's sendmail)")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: program)
        p.arguments = ["-t", "-oi"]
        p.standardInput = input
        // What the program says goes to a file, not a pipe: a talkative MTA can never block on a full pipe.
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("baton-sendmail-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let output = try FileHandle(forWritingTo: log)
        defer { try? output.close() }
        p.standardOutput = output
        p.standardError = output
        let ended = DispatchSemaphore(value: 0)
        p.terminationHandler = { _ in ended.signal() }
        do { try p.run() } catch { throw Failure(message: "cannot run \(program): \(error.localizedDescription)") }
        if ended.wait(timeout: .now() + timeout) == .timedOut {
            p.terminate()
            _ = ended.wait(timeout: .now() + 5)
            throw Failure(message: "\(program) did not finish within \(Int(timeout)) s")
        }
        let said = (try? String(contentsOf: log, encoding: .utf8))?.split(whereSeparator: \.isNewline).joined(separator: " ") ?? ""
        guard p.terminationReason == .exit, p.terminationStatus == 0 else {
            let how = p.terminationReason == .exit ? "exit status \(p.terminationStatus)" : "signal \(p.terminationStatus)"
            throw Failure(message: "\(program) -t -oi failed (\(how))\(said.isEmpty ? "" : ": \(said.prefix(500))")")
        }
    }
}
