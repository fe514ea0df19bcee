import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Whether a process id names a running process on this machine, and when it started.
public enum ProcessLiveness {
    public static func isRunning(_ pid: pid_t) -> Bool {
        guard pid > 0 else { return false }
        if kill(pid, 0) == 0 { return !isZombie(pid) }
        return errno == EPERM
    }

    /// A killed child not yet reaped by its parent still answers kill(pid, 0); /proc says it is a zombie.
    static func isZombie(_ pid: pid_t) -> Bool {
        guard let fields = statFields(pid) else { return false }
        return fields.first == "Z" || fields.first == "X"
    }

    /// When the process started (seconds since 1970), from /proc; nil where /proc does not say.
    public static func startTime(_ pid: pid_t) -> Double? {
        // Field 22 of /proc/PID/stat, the 20th after the command name: clock ticks since boot.
        guard let fields = statFields(pid), fields.count > 19, let ticks = Double(fields[19]),
              let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = stat.split(separator: "\n").first(where: { $0.hasPrefix("btime ") }),
              let boot = Double(line.dropFirst(6).trimmingCharacters(in: .whitespaces)) else { return nil }
        let hertz = Double(sysconf(Int32(_SC_CLK_TCK)))
        return boot + ticks / (hertz > 0 ? hertz : 100)
    }

    /// The fields of /proc/PID/stat after the command name (which may hold spaces): state first.
    static func statFields(_ pid: pid_t) -> [Substring]? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        return stat[stat.index(after: close)...].split(separator: " ")
    }
}
