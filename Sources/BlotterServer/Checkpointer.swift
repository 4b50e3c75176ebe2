public import BlotterCrypto
internal import BlotterFormat
public import BlotterLog
public import Logging
internal import CoreMetrics
public import ServiceLifecycle

/// Signs a checkpoint with the operator key every `interval` when the tree has grown, so that
/// `GET /checkpoint` and the proofs of new entries follow the log within about one interval. Each
/// signing proves the new tree consistent with the last checkpoint first (``Ledger/checkpoint(operatorKey:)``).
/// Several servers on one PostgreSQL ledger may each run one: the store serialises them.
///
/// With witnesses, each tick also sends the latest checkpoint to them until a quorum cosigned it
/// (``Witnessing``), so a witness that was down is asked again at the next tick.
public struct Checkpointer: Service {
    let ledger: Ledger
    let operatorKey: PrivateKey?
    let interval: Duration
    let witnessing: Witnessing?
    let metrics: ServerMetrics
    let logger: Logger

    public func run() async throws {
        // Ends at graceful shutdown (after one last checkpoint of what was committed) or cancellation.
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.signIfGrown()
                await self.witnessing?.publishLatest()
                try? await Task.sleep(for: self.interval)
            }
        }
        await signIfGrown()
    }

    func signIfGrown() async {
        guard let operatorKey else { return }
        do {
            let (count, signed) = try await ledger.reading { reader in (try reader.count(), try reader.latestCheckpoint()?.size ?? 0) }
            guard count > signed else { return }
            _ = try await ledger.checkpoint(operatorKey: operatorKey)
            metrics.checkpoints.increment()
        } catch let error as BlotterError {
            logger.error("checkpoint not signed", metadata: ["code": .string(error.code.rawValue)])
        } catch {
            logger.error("checkpoint not signed", metadata: ["error": .string(String(describing: type(of: error)))])
        }
    }
}
