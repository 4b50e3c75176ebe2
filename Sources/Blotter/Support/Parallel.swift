internal import Dispatch
internal import Foundation

/// Runs `body` for every index in `0..<count` on all cores and returns the results in order.
/// For work that is embarrassingly parallel: signature checks, parsing, hashing.
func parallelMap<T>(_ count: Int, _ body: (Int) -> T) -> [T] {
    if count == 0 { return [] }
    let workers = min(ProcessInfo.processInfo.activeProcessorCount, count)
    if workers <= 1 || count < 8 { return (0..<count).map(body) }
    let results = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
    results.initialize(repeating: nil)
    defer { results.deinitialize(); results.deallocate() }
    // Each worker writes only its own slots, so no two threads touch the same element.
    nonisolated(unsafe) let slots = results
    withoutActuallyEscaping(body) { body in
        nonisolated(unsafe) let work = body
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var i = worker
            while i < count {
                slots[i] = work(i)
                i += workers
            }
        }
    }
    return results.map { $0! }
}
