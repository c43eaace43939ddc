#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import AuditTrail
import DICOMCore
import GRDB

/// The local study cache: a private file store under one root folder and its GRDB index.
///
/// - Instances are stored byte for byte as received, one file per SOP Instance UID, in a
///   folder per study (`StoreLayout`). A file is written to `tmp/`, flushed, renamed into
///   place, and only then indexed: the index never names a file that is not complete.
/// - The index is SQLite in WAL mode: readers (worklist, viewer) never wait for the writer.
///   Writers — in this process and in other Sixray processes — take turns through a mutex
///   and an `flock(2)` on `writer.lock`.
/// - A process that may write leaves a marker in `writers/`; a marker whose process is gone
///   means a crash, and the next `open` sweeps: files the index does not know are removed,
///   rows whose file is missing are dropped (their study becomes partial).
///
/// Thread-safe; share one instance per process.
public final class StudyStore: Sendable {
    public let layout: StoreLayout
    public let options: Options
    /// Where this store's reads and changes of patient data are recorded (`audit.log` under
    /// the root unless config.toml [audit] path says otherwise).
    public let auditLog: AuditLog
    let pool: DatabasePool
    let fileLock: FileLock
    let writer: WriterState
    let temporaryCounter = Counter()
    let processStart: Int64
    let processID = getpid()

    public struct Options: Sendable {
        /// Size quota; after an import the least recently used studies are evicted down to it
        /// (never pinned studies, never studies in use). nil: no quota.
        public var maxSizeBytes: Int64?
        /// Instances per transaction (and per file-system flush) when importing many files.
        public var batchSize: Int = 200
        /// Flush files to disk before they are indexed (fsync / syncfs). Tests of logic that
        /// never look at power loss may turn it off; crash safety against SIGKILL holds either way.
        public var durable = true
        /// Seconds since 1970; injectable for tests of least-recently-used eviction.
        public var clock: @Sendable () -> Double = { StudyStore.wallClock() }
        /// Confidentiality Codes (0040,1008) that make a study confidential ([privacy]
        /// confidential_codes in config.toml), compared without case and surrounding spaces.
        public var confidentialCodes: [String] = []
        /// config.toml [audit]: the log's path and a syslog destination.
        public var audit = AuditConfiguration()

        public init(maxSizeBytes: Int64? = nil) { self.maxSizeBytes = maxSizeBytes }
    }

    /// The store's root: `$XDG_CACHE_HOME/sixray`, else `~/.cache/sixray` (XDG Base Directory).
    public static func defaultRoot(environment: [String: String]) -> String {
        if let x = environment["XDG_CACHE_HOME"], x.hasPrefix("/") { return x + "/sixray" }
        let home = environment["HOME"] ?? "/tmp"
        return home + "/.cache/sixray"
    }

    public static func wallClock() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Open (creating if needed) the store at `root`. Runs the index migrations and the
    /// start-up sweep. A damaged index is `StoreError` with `kind.isIndexCorrupt`.
    public static func open(root: String, options: Options = Options()) throws(StoreError) -> StudyStore {
        let layout = StoreLayout(root: root)
        for dir in [layout.root, layout.objectsDirectory, layout.temporaryDirectory, layout.writersDirectory] {
            try FileSystem.makePrivateDirectory(dir)
        }
        let lock = try FileLock(path: layout.lockPath)
        let pool = try openIndex(layout: layout, lock: lock)
        let store = StudyStore(layout: layout, options: options, pool: pool, lock: lock)
        try store.startUpSweep()
        return store
    }

    init(layout: StoreLayout, options: Options, pool: DatabasePool, lock: FileLock) {
        self.layout = layout
        self.options = options
        let base = options.audit.log(storeRoot: layout.root)
        self.auditLog = AuditLog(path: base.path, identity: base.identity, syslog: base.syslog, clock: options.clock)
        self.pool = pool
        self.fileLock = lock
        self.writer = WriterState()
        self.processStart = FileSystem.processStartTime(getpid()) ?? 0
    }

    static func openIndex(layout: StoreLayout, lock: FileLock) throws(StoreError) -> DatabasePool {
        let path = layout.indexPath
        // Create the file ourselves so it is 0600 from the start; SQLite gives -wal and -shm
        // the main file's mode.
        if !FileSystem.exists(path) {
            let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw FileSystem.error("cannot create the index", path: path) }
            FileSystem.closeDescriptor(fd)
        }
        var config = Configuration()
        config.busyMode = .timeout(60)
        config.label = "sixray.index"
        config.prepareDatabase { db in
            // WAL + NORMAL: a commit is atomic and the file never corrupt; after a power loss
            // the last commits may be missing, leaving stored files the sweep removes.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        // Under the writer lock: a process opening the index while another creates it (switches
        // it to WAL, runs the first migration) would otherwise get "database is locked".
        lock.lock()
        defer { lock.unlock() }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: config)
        } catch {
            throw mapDatabaseError(error, path: path)
        }
        do {
            try IndexSchema.migrator.migrate(pool)
        } catch {
            throw mapDatabaseError(error, path: path)
        }
        for suffix in ["", "-wal", "-shm"] { chmod(path + suffix, 0o600) }
        return pool
    }

    /// Stop writing: remove this process's writer marker. Readers may go on until deinit.
    public func close() {
        writer.withLock { state in
            if let marker = state.marker {
                unlink(marker)
                state.marker = nil
            }
        }
    }

    deinit { close() }

    // MARK: - Writer serialisation

    /// In-process state of the writer side, behind a mutex.
    final class WriterState: @unchecked Sendable {
        struct State {
            var marker: String?
        }
        private var mutex = pthread_mutex_t()
        private var state = State()

        init() { pthread_mutex_init(&mutex, nil) }
        deinit { pthread_mutex_destroy(&mutex) }

        func withLock<T>(_ body: (inout State) throws(StoreError) -> T) throws(StoreError) -> T {
            pthread_mutex_lock(&mutex)
            defer { pthread_mutex_unlock(&mutex) }
            return try body(&state)
        }

        func withLock<T>(_ body: (inout State) -> T) -> T {
            pthread_mutex_lock(&mutex)
            defer { pthread_mutex_unlock(&mutex) }
            return body(&state)
        }
    }

    /// Numbers for temporary file names, behind its own mutex (taken while the writer lock is held).
    final class Counter: @unchecked Sendable {
        private var mutex = pthread_mutex_t()
        private var value = 0
        init() { pthread_mutex_init(&mutex, nil) }
        deinit { pthread_mutex_destroy(&mutex) }
        func next() -> Int {
            pthread_mutex_lock(&mutex)
            defer { pthread_mutex_unlock(&mutex) }
            value += 1
            return value
        }
    }

    /// Run `body` as the only writer of the store (this process: mutex; others: flock).
    func asWriter<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try writer.withLock { (state: inout WriterState.State) throws(StoreError) -> T in
            fileLock.lock()
            defer { fileLock.unlock() }
            if state.marker == nil {
                let marker = layout.writersDirectory + "/\(getpid())-\(processStart)"
                let fd = Glibc.open(marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
                if fd >= 0 { FileSystem.closeDescriptor(fd) }
                state.marker = marker
            }
            return try body()
        }
    }

    /// A fresh path in the store's `tmp/` folder for a file being received (e.g. a C-STORE
    /// sub-operation streamed to disk); hand it to `adopt(temporaryFile:)` when complete.
    /// Temporary files of processes that are gone are removed by the next start-up sweep.
    public func makeTemporaryPath() -> String {
        let n = temporaryCounter.next()
        return layout.temporaryDirectory + "/\(processID)-\(processStart)-\(n).part"
    }

    // MARK: - Database access with errors mapped

    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try pool.read(body) } catch { throw Self.mapDatabaseError(error, path: layout.indexPath) }
    }

    func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try pool.write(body) } catch { throw Self.mapDatabaseError(error, path: layout.indexPath) }
    }

    static func mapDatabaseError(_ error: any Error, path: String) -> StoreError {
        if let e = error as? StoreError { return e }
        if let e = error as? DatabaseError {
            let message = e.message ?? "\(e.resultCode)"
            switch e.resultCode {
            case .SQLITE_NOTADB, .SQLITE_CORRUPT: return StoreError(.indexCorrupt(message), path: path)
            case .SQLITE_FULL: return StoreError(.noSpace("index: \(message)"), path: path)
            case .SQLITE_BUSY, .SQLITE_LOCKED: return StoreError(.busy("index: \(message)"), path: path)
            case .SQLITE_IOERR:
                // SQLite reports a write that ran out of space or past RLIMIT_FSIZE as an I/O error.
                let code = errno
                if code == ENOSPC || code == EFBIG || code == EDQUOT {
                    return StoreError(.noSpace("index: \(message)"), path: path)
                }
                return StoreError(.index(message), path: path)
            default: return StoreError(.index(message), path: path)
            }
        }
        return StoreError(.index("\(error)"), path: path)
    }
}
