public import BlotterFormat
public import BlotterLog
internal import Foundation
internal import CoreMetrics
internal import Logging
internal import Synchronization
#if canImport(FoundationNetworking)
internal import FoundationNetworking
#endif

/// A witness the log sends its checkpoints to (C2SP tlog-witness): where its add-checkpoint is, and
/// its cosignature verifier key (type 0x04, as `blotter witness init` prints it).
public struct WitnessEndpoint: Sendable {
    /// The submission prefix; requests go to `url + "/add-checkpoint"`.
    public let url: String
    public let key: NoteVerifierKey

    public init(url: String, key: NoteVerifierKey) throws(BlotterError) {
        guard url.hasPrefix("http://") || url.hasPrefix("https://"), URL(string: url) != nil else {
            throw BlotterError(.invalidInput, "witness URL \"\(url)\" must be an http:// or https:// URL")
        }
        guard key.type == NoteVerifierKey.cosignatureV1 else {
            throw BlotterError(.invalidInput, "witness key \(key.name) must be a cosignature/v1 (type 0x04) verifier key, as `blotter witness init` prints")
        }
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.key = key
    }
}

/// The checkpoint the server publishes at `/checkpoint` and under its proofs when witnesses are
/// configured: the latest one that carries a quorum of their cosignatures (in memory; after a
/// restart the witnesses cosign the latest stored checkpoint again, as the protocol allows).
final class PublishedCheckpoint: Sendable {
    private let state = Mutex<(size: Int64, note: String)?>(nil)
    var current: (size: Int64, note: String)? { state.withLock { $0 } }
    func publish(size: Int64, note: String) {
        state.withLock { s in if (s?.size ?? -1) < size { s = (size, note) } }
    }
}

/// Sends checkpoints to one witness and keeps the size it last cosigned (0 until it says otherwise:
/// a 409 answers its size, and the request is made again from there once).
final class WitnessClient: Sendable {
    let endpoint: WitnessEndpoint
    private let known = Mutex<Int64>(0)
    private let session: URLSession

    init(_ endpoint: WitnessEndpoint, timeout: TimeInterval) {
        self.endpoint = endpoint
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        session = URLSession(configuration: configuration)
    }

    /// The witness's cosignature of `note` (a checkpoint of `size` entries), verified with its key.
    /// - Throws: ``BlotterError`` naming what the witness answered: it refused (a fork, an older
    ///   checkpoint, a bad proof), is unreachable, or answered a signature that does not verify.
    func cosign(_ note: SignedNote, size: Int64, ledger: Ledger) async throws -> [SignedNote.Signature] {
        var old = known.withLock { $0 }
        for attempt in 0..<2 {
            guard old <= size else {
                throw BlotterError(.verificationFailed, "witness \(endpoint.key.name) has cosigned size \(old), larger than this checkpoint's \(size)")
            }
            let proof = old > 0 && old < size ? try await ledger.consistencyProof(oldSize: old, newSize: size).proof : []
            let body = "old \(old)\n" + proof.map { $0.base64 + "\n" }.joined() + "\n" + note.serialized
            var request = URLRequest(url: URL(string: endpoint.url + "/add-checkpoint")!)
            request.httpMethod = "POST"
            request.httpBody = Data(body.utf8)
            let (data, response) = try await send(request)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            let text = String(decoding: data, as: UTF8.self)
            if status == 409, attempt == 0, let size = Int64(text.trimmingCharacters(in: .newlines)), size != old {
                old = size
                continue
            }
            guard status == 200 else {
                throw BlotterError(.verificationFailed, "witness \(endpoint.key.name) refused the checkpoint at size \(size) (HTTP \(status)): \(text.prefix(300))")
            }
            let cosigned = try SignedNote(parsing: note.serialized + text)
            let mine = cosigned.signatures.filter { $0.name == endpoint.key.name && $0.keyID == endpoint.key.keyID }
            _ = try SignedNote(text: note.text, signatures: mine).verify(keys: [endpoint.key])
            known.withLock { $0 = size }
            return mine
        }
        throw BlotterError(.verificationFailed, "witness \(endpoint.key.name) kept answering 409 for size \(size)")
    }

    /// One request, not tied to the calling task's cancellation. URLSession's async `data(for:)`
    /// cancels its data task from inside the Swift runtime's lock on the cancelled task; in
    /// swift-corelibs-foundation that cancel waits for the session's queue, which may at that moment
    /// be resuming the same task and waiting for the same lock: the server hung on graceful shutdown
    /// (seen in a test run, both threads in the backtrace). Here the request's timeout bounds the wait.
    private func send(_ request: URLRequest) async throws -> (Data, URLResponse) {
        try await withCheckedThrowingContinuation { continuation in
            session.dataTask(with: request) { data, response, error in
                if let error {
                    continuation.resume(throwing: error)
                } else if let data, let response {
                    continuation.resume(returning: (data, response))
                } else {
                    continuation.resume(throwing: URLError(.badServerResponse))
                }
            }.resume()
        }
    }
}

/// Sends the latest stored checkpoint to every witness and publishes it once a quorum cosigned it.
struct Witnessing: Sendable {
    let clients: [WitnessClient]
    let quorum: Int
    let published: PublishedCheckpoint
    let ledger: Ledger
    let metrics: ServerMetrics
    let logger: Logger

    func publishLatest() async {
        do {
            guard let latest = try await ledger.reading({ try $0.latestCheckpoint() }) else { return }
            if let current = published.current, current.size >= latest.size { return }
            let signed = try SignedNote(parsing: latest.note)
            var note = signed
            let answers = await withTaskGroup(of: (String, Result<[SignedNote.Signature], any Error>).self) { group in
                for client in clients {
                    group.addTask {
                        do { return (client.endpoint.key.name, .success(try await client.cosign(signed, size: latest.size, ledger: ledger))) } catch {
                            return (client.endpoint.key.name, .failure(error))
                        }
                    }
                }
                var out: [(String, Result<[SignedNote.Signature], any Error>)] = []
                for await answer in group { out.append(answer) }
                return out
            }
            var cosigned = 0
            for (name, answer) in answers.sorted(by: { $0.0 < $1.0 }) {
                switch answer {
                case let .success(signatures):
                    note.signatures += signatures
                    cosigned += 1
                case let .failure(error):
                    metrics.witnessRefusals.increment()
                    logger.warning("witness did not cosign", metadata: [
                        "witness": .string(name), "size": .stringConvertible(latest.size),
                        "reason": .string((error as? BlotterError)?.message ?? String(describing: type(of: error))),
                    ])
                }
            }
            guard cosigned >= quorum else {
                logger.warning("checkpoint not published: too few cosignatures", metadata: [
                    "size": .stringConvertible(latest.size), "cosignatures": .stringConvertible(cosigned), "quorum": .stringConvertible(quorum),
                ])
                return
            }
            published.publish(size: latest.size, note: note.serialized)
            metrics.published.increment()
        } catch {
            logger.error("witnessing failed", metadata: ["reason": .string((error as? BlotterError)?.message ?? String(describing: type(of: error)))])
        }
    }
}
