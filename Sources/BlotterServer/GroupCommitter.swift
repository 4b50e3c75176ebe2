public import BlotterFormat
public import BlotterLog
public import ServiceLifecycle
internal import CoreMetrics

/// The ledger's one writer in this process: requests queue their statements here, and each batch of
/// queued requests is appended in one transaction (``Ledger/append(groups:)``: each request all or
/// nothing, a refused one leaving no trace), so one fsync serves many requests. A request is resumed
/// only when its batch has committed, so nothing is acknowledged that is not durable.
///
/// Bounded: a batch takes up to `maxBatch` statements (a larger request goes alone); while up to
/// `inFlight` batches are checked and committed, the next fills; at most `capacity` statements wait,
/// and a request that would exceed it is refused at once with ``APIError/pushback(queued:retryAfter:)`` (503 with Retry-After), never queued without
/// bound or left to time out. On graceful shutdown it takes no new requests and commits every one
/// already queued before it returns.
public actor GroupCommitter: DrainingService {
    private struct Waiter {
        let group: AppendGroup
        let continuation: CheckedContinuation<AppendOutcome, any Error>
    }

    private let ledger: Ledger
    private let maxBatch: Int
    private let batchWait: Duration
    /// Batches in flight at once: while one holds the write transaction, the next has its signatures
    /// and schemas checked on the other cores (``Ledger/append(groups:)`` does that before it takes
    /// the lock), so neither the lock nor the cores wait for the other. The store runs the
    /// transactions one at a time.
    private let inFlight: Int
    private let capacity: Int
    private let retryAfter: Int
    private let metrics: ServerMetrics
    private var queue: [Waiter] = []
    private var head = 0
    private var queued = 0
    private var wake: CheckedContinuation<Void, Never>?
    private var stopping = false

    init(ledger: Ledger, maxBatch: Int, batchWait: Duration, inFlight: Int, capacity: Int, retryAfter: Int, metrics: ServerMetrics) {
        self.ledger = ledger
        self.maxBatch = max(1, maxBatch)
        self.batchWait = batchWait
        self.inFlight = max(1, inFlight)
        self.capacity = max(1, capacity)
        self.retryAfter = retryAfter
        self.metrics = metrics
    }

    /// Appends `submissions` all or none, in the next batch; returns once that batch is durable.
    /// - Throws: ``APIError`` for pushback or shutdown (nothing queued); a storage failure of the
    ///   batch (nothing of it committed).
    public func submit(_ submissions: [Submission]) async throws -> AppendOutcome {
        if stopping { throw APIError.shuttingDown }
        // A request larger than the queue is still taken when the queue is empty, so a request the
        // server accepts by size can always get through.
        if queued > 0 && queued + submissions.count > capacity {
            metrics.pushbacks.increment()
            throw APIError.pushback(queued: queued, retryAfter: retryAfter)
        }
        return try await withCheckedThrowingContinuation { continuation in
            queue.append(Waiter(group: AppendGroup(submissions), continuation: continuation))
            queued += submissions.count
            metrics.queueDepth.record(queued)
            wake?.resume()
            wake = nil
        }
    }

    /// Takes no new requests; the loop commits what is queued, then ends.
    func stop() {
        stopping = true
        wake?.resume()
        wake = nil
    }

    func loop() async {
        await withTaskGroup(of: Void.self) { batches in
            var running = 0
            while true {
                // A slot first, then the batch: what queues meanwhile joins it.
                if running == inFlight {
                    await batches.next()
                    running -= 1
                }
                guard let batch = await nextBatch() else { break }
                batches.addTask { await self.commit(batch) }
                running += 1
            }
        }
    }

    private func commit(_ batch: [Waiter]) async {
        let started = ContinuousClock.now
        let count = batch.reduce(0) { $0 + $1.group.submissions.count }
        do {
            let outcomes = try await ledger.append(groups: batch.map(\.group))
            metrics.commitTime.recordNanoseconds(Self.nanoseconds(ContinuousClock.now - started))
            metrics.batches.increment()
            metrics.batchSize.record(count)
            for (waiter, outcome) in zip(batch, outcomes) {
                if case let .appended(receipts) = outcome {
                    let duplicates = receipts.filter { $0?.duplicate == true }.count
                    metrics.appended.increment(by: receipts.count - duplicates)
                    metrics.duplicates.increment(by: duplicates)
                }
                waiter.continuation.resume(returning: outcome)
            }
        } catch {
            // The transaction rolled back: nothing of this batch is in the ledger, and every
            // request in it is told so.
            for waiter in batch { waiter.continuation.resume(throwing: error) }
        }
    }

    private func nextBatch() async -> [Waiter]? {
        while head == queue.count {
            if stopping { return nil }
            await withCheckedContinuation { wake = $0 }
        }
        if batchWait > .zero && queued < maxBatch && !stopping {
            try? await Task.sleep(for: batchWait)
        }
        var batch: [Waiter] = []
        var statements = 0
        while head < queue.count {
            let next = queue[head].group.submissions.count
            if !batch.isEmpty && statements + next > maxBatch { break }
            batch.append(queue[head])
            statements += next
            head += 1
        }
        if head == queue.count {
            queue.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 1024 {
            queue.removeFirst(head)
            head = 0
        }
        queued -= statements
        metrics.queueDepth.record(queued)
        return batch
    }

    static func nanoseconds(_ d: Duration) -> Int64 {
        d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000
    }
}

/// A service that drains a queue in `loop()` and ends it on `stop()`: on graceful shutdown or
/// cancellation it takes no new work and finishes what is queued (GroupCommitter, AccessRecorder).
protocol DrainingService: Actor, Service {
    func loop() async
    func stop()
}

extension DrainingService {
    public func run() async throws {
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await self.loop()
            } onGracefulShutdown: {
                Task { await self.stop() }
            }
        } onCancel: {
            Task { await self.stop() }
        }
    }
}
