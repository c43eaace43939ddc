#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The few POSIX file operations the store needs, with errors mapped to `StoreError`.
/// Everything the store creates is private: directories 0700, files 0600.
enum FileSystem {
    static func errorText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

    /// ENOSPC / EDQUOT (file system full) and EFBIG (RLIMIT_FSIZE) are "no space"; the rest is I/O.
    static func error(_ what: String, path: String, code: Int32 = errno) -> StoreError {
        let text = "\(what): \(errorText(code))"
        if code == ENOSPC || code == EDQUOT || code == EFBIG { return StoreError(.noSpace(text), path: path) }
        return StoreError(.io(text), path: path)
    }

    /// mkdir -p; directories the call creates get 0700, and the leaf is set to 0700 when it
    /// already exists (the store's own folders). Existing ancestors are never touched: a store
    /// made at /tmp/x must not take /tmp (or the user's home) private with it.
    static func makePrivateDirectory(_ path: String) throws(StoreError) {
        var st = stat()
        if stat(path, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFDIR else {
                throw StoreError(.io("exists and is not a directory"), path: path)
            }
            if st.st_mode & 0o777 != 0o700, st.st_uid == getuid() { chmod(path, 0o700) }
            return
        }
        try createMissingDirectories(path)
    }

    /// Creates `path` and its missing ancestors with mode 0700; leaves existing ones alone.
    private static func createMissingDirectories(_ path: String) throws(StoreError) {
        if isDirectory(path) { return }
        let parent = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        if !parent.isEmpty, parent != path { try createMissingDirectories(parent) }
        if mkdir(path, 0o700) != 0 {
            guard errno == EEXIST else { throw error("cannot create directory", path: path) }
            return
        }
        chmod(path, 0o700)
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Size of a regular file, nil when it does not exist or is not a regular file.
    static func fileSize(_ path: String) -> Int? {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int(st.st_size)
    }

    static func mode(_ path: String) -> UInt32? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return UInt32(st.st_mode & 0o7777)
    }

    /// Names in a directory (no "." and ".."); empty when it cannot be read.
    static func entries(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Regular files under `path`, recursively, sorted, following no symbolic links below it.
    static func regularFiles(under path: String) -> [String] {
        var out: [String] = []
        for name in entries(path) {
            let full = path + "/" + name
            var st = stat()
            guard lstat(full, &st) == 0 else { continue }
            switch st.st_mode & S_IFMT {
            case S_IFDIR: out += regularFiles(under: full)
            case S_IFREG: out.append(full)
            default: continue
            }
        }
        return out
    }

    /// rm -rf; errors are ignored (what could not be removed is found again by the next sweep).
    static func removeTree(_ path: String) {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            for name in entries(path) { removeTree(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    static func writeAll(_ fd: Int32, _ buf: UnsafeRawBufferPointer, path: String) throws(StoreError) {
        guard let base = buf.baseAddress else { return }
        var done = 0
        while done < buf.count {
            let n = write(fd, base + done, buf.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw error("write failed after \(done) of \(buf.count) bytes", path: path)
            }
            done += n
        }
    }

    /// Create `path` exclusively with mode 0600.
    static func createPrivateFile(_ path: String) throws(StoreError) -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw error("cannot create", path: path) }
        return fd
    }

    static func syncFile(_ path: String) throws(StoreError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw error("cannot open", path: path) }
        defer { close(fd) }
        if fsync(fd) != 0 { throw error("fsync failed", path: path) }
    }

    /// fsync a directory so that renames and unlinks in it are durable.
    static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    /// Flush the whole file system holding `path`: one journal commit for a batch of files
    /// instead of one per file (Linux `syncfs(2)`); elsewhere `sync()`.
    static func syncFileSystem(of path: String) throws(StoreError) {
        #if os(Linux)
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw error("cannot open", path: path) }
        defer { close(fd) }
        if c_syncfs(fd) != 0 { throw error("syncfs failed", path: path) }
        #else
        sync()
        #endif
    }

    static func rename(_ from: String, _ to: String) throws(StoreError) {
        if Glibc.rename(from, to) != 0 { throw error("cannot rename \(from)", path: to) }
    }

    /// Is the process `pid` alive, and (when `startTime` is given) is it the same process,
    /// not a later one that reused the number? (Linux: field 22 of /proc/PID/stat.)
    static func processAlive(pid: Int32, startTime: Int64?) -> Bool {
        if pid <= 0 { return false }
        if kill(pid, 0) != 0 && errno != EPERM { return false }
        guard let startTime, startTime != 0 else { return true }
        guard let now = processStartTime(pid) else { return true }
        return now == startTime
    }

    /// Start time of a process in clock ticks since boot; nil where /proc is not available.
    static func processStartTime(_ pid: Int32) -> Int64? {
        let fd = open("/proc/\(pid)/stat", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buf = [UInt8](repeating: 0, count: 1024)
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, 1024) }
        guard n > 0 else { return nil }
        // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
        guard let close = buf[0..<n].lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = buf[(close + 1)..<n].split(separator: UInt8(ascii: " "))
        // fields[0] is field 3 (state); start time is field 22.
        guard fields.count > 19 else { return nil }
        return Int64(String(decoding: fields[19], as: UTF8.self))
    }
}

#if os(Linux)
@_silgen_name("syncfs") private func c_syncfs(_ fd: Int32) -> Int32
#endif

/// An exclusive advisory lock on a file (`flock(2)`), shared by all Sixray processes that use
/// the same store: it serialises writers, while readers go straight to SQLite's WAL snapshots.
final class FileLock: @unchecked Sendable {
    // The descriptor is opened once and only read afterwards; flock itself is thread-safe,
    // and in-process callers are serialised by the store's mutex.
    private let fd: Int32
    let path: String

    init(path: String) throws(StoreError) {
        self.path = path
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw FileSystem.error("cannot open lock file", path: path) }
    }

    deinit { close(fd) }

    func lock() {
        while flock(fd, LOCK_EX) != 0 && errno == EINTR {}
    }

    func tryLock() -> Bool { flock(fd, LOCK_EX | LOCK_NB) == 0 }

    func unlock() { flock(fd, LOCK_UN) }
}

extension FileSystem {
    static func closeDescriptor(_ fd: Int32) { _ = close(fd) }
}

extension FileSystem {
    static func writeAll(_ fd: Int32, bytes: [UInt8], path: String) throws(StoreError) {
        var failure: StoreError?
        bytes.withUnsafeBytes { buf in
            do throws(StoreError) { try writeAll(fd, buf, path: path) } catch { failure = error }
        }
        if let failure { throw failure }
    }
}
