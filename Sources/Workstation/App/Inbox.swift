import Dispatch

/// Actions that background work (archive queries, retrieves, prefetch) posts for the loop to
/// reduce. The loop polls it between key reads; nothing else crosses threads.
public final class Inbox: @unchecked Sendable {
    private let lock = Mutex()
    private var actions: [Action] = []
    private var running = 0
    private var cancelled: Set<Int> = []
    private var nextID = 1
    private let queue = DispatchQueue(label: "sixray.background", attributes: .concurrent)

    public init() {}

    public func post(_ action: Action) {
        lock.withLock { actions.append(action) }
    }

    /// Everything posted since the last call, in order.
    public func drain() -> [Action] {
        lock.withLock {
            let a = actions
            actions = []
            return a
        }
    }

    /// True while background jobs run (the loop then polls more often).
    public var isBusy: Bool { lock.withLock { running > 0 } }

    /// Runs `work` off the loop's thread. `work` gets a check that turns true when the job is
    /// cancelled (Esc) and a way to post actions. Returns the job's id.
    @discardableResult
    public func spawn(_ work: @escaping @Sendable (_ isCancelled: @escaping @Sendable () -> Bool, _ post: @escaping @Sendable (Action) -> Void) -> Void) -> Int {
        let id: Int = lock.withLock {
            running += 1
            nextID += 1
            return nextID - 1
        }
        queue.async { [self] in
            work({ [self] in lock.withLock { cancelled.contains(id) } }, { [self] in post($0) })
            lock.withLock {
                running -= 1
                cancelled.remove(id)
            }
        }
        return id
    }

    /// Asks every running job to stop (they check `isCancelled` between steps).
    public func cancelAll() {
        lock.withLock {
            if running > 0 { for id in 1..<nextID { cancelled.insert(id) } }
        }
    }
}
