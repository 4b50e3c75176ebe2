internal import Dispatch
internal import Foundation
package import BlotterCrypto

/// Runs `body` for every index in `0..<count` on all cores and returns the results in order.
/// For work that is embarrassingly parallel: signature checks, parsing, hashing.
package func parallelMap<T>(_ count: Int, _ body: (Int) -> T) -> [T] {
    parallelMap(count, state: { () }) { _, i in body(i) }
}

/// Like ``parallelMap(_:_:)``, with a state per worker thread (e.g. a cache of reusable contexts)
/// made by `makeState` and passed to `body` for every index that worker handles.
package func parallelMap<S, T>(_ count: Int, state makeState: () -> S, _ body: (inout S, Int) -> T) -> [T] {
    if count == 0 { return [] }
    let workers = min(ProcessInfo.processInfo.activeProcessorCount, max(1, count / 8))
    if workers <= 1 {
        var state = makeState()
        return (0..<count).map { body(&state, $0) }
    }
    let results = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
    results.initialize(repeating: nil)
    defer { results.deinitialize(); results.deallocate() }
    nonisolated(unsafe) let slots = results
    withoutActuallyEscaping(body) { body in
        withoutActuallyEscaping(makeState) { makeState in
            nonisolated(unsafe) let work = body
            nonisolated(unsafe) let make = makeState
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                var state = make()
                var i = worker
                while i < count {
                    slots[i] = work(&state, i)
                    i += workers
                }
            }
        }
    }
    return results.map { $0! }
}

/// Reusable signature verifiers by key id, one cache per worker thread.
package struct VerifierCache {
    package init() {}
    private var verifiers: [String: SignatureVerifier] = [:]

    package mutating func verifier(for key: PublicKey) -> SignatureVerifier {
        let id = key.keyID
        if let v = verifiers[id] { return v }
        let v = SignatureVerifier(key)
        verifiers[id] = v
        return v
    }
}
