import Foundation

/// A tiny tmpfs mounted in a test's folder, to see what a full disk does. Mounting needs root in a machine that
/// allows it: tests that need one are `.enabled(if: TinyDisk.available)`.
public final class TinyDisk {
    /// The mount point.
    public let path: String

    /// Mounts a tmpfs of `kilobytes` at `<folder>/tiny`; nil where this machine does not allow it, or where the folder
    /// is not then the tiny file system (a real disk is never filled).
    public init?(kilobytes: Int, in folder: String) {
        let point = folder + "/tiny"
        try? FileManager.default.createDirectory(atPath: point, withIntermediateDirectories: false)
        guard let mount = try? Subprocess.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(kilobytes)k", "tmpfs", point], timeout: 60),
              mount.status == 0, !mount.signalled else { return nil }
        bound = UInt64(kilobytes) * 1024 * 4
        guard Self.space(point, bound: bound) != nil else {
            _ = try? Subprocess.run("/bin/umount", [point], timeout: 60)
            return nil
        }
        path = point
    }

    private var mounted = true
    /// More than the disk's size, less than any real disk's: what tells the tiny file system from the one below it.
    private let bound: UInt64

    /// The bytes free at `path` when its file system is no bigger than `bound`, else nil.
    private static func space(_ path: String, bound: UInt64) -> UInt64? {
        var fs = statvfs()
        guard statvfs(path, &fs) == 0, UInt64(fs.f_blocks) * UInt64(fs.f_frsize) <= bound else { return nil }
        return UInt64(fs.f_bavail) * UInt64(fs.f_frsize)
    }

    deinit { unmount() }

    /// Unmounts the disk (once; also when the object goes). Call it in a `defer` to keep the disk for the whole test.
    public func unmount() {
        guard mounted else { return }
        mounted = false
        _ = try? Subprocess.run("/bin/umount", [path], timeout: 60)
    }

    /// Fills the disk with a file `filler` until a write fails (bounded by the disk's size in any case).
    public func fill() {
        let filler = path + "/filler"
        _ = FileManager.default.createFile(atPath: filler, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: filler) else { return }
        var fs = statvfs()
        let blocks = statvfs(path, &fs) == 0 ? Int(UInt64(fs.f_blocks) * UInt64(fs.f_frsize) / 4096) + 16 : 4096
        for _ in 0..<blocks { if (try? handle.write(contentsOf: Data(count: 4096))) == nil { break } }
        try? handle.close()
    }

    /// The bytes still free on the disk (nil: it is no longer the tiny file system mounted at `path`).
    public var freeBytes: UInt64? { Self.space(path, bound: bound) }

    /// Whether a tmpfs can be mounted here (probed once, in a folder of its own).
    public static let available: Bool = {
        guard let folder = try? TemporaryFolder("mount-probe") else { return false }
        guard let disk = TinyDisk(kilobytes: 64, in: folder.directory.path) else { return false }
        disk.unmount()
        return true
    }()
}
