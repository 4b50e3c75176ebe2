internal import Metrics
internal import CoreMetrics
internal import Prometheus

/// The server's metrics, through swift-metrics into a Prometheus registry of this server's own (so
/// two servers in one process, as in the tests, keep apart), exposed at `GET /metrics`.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory

    /// Statements appended (duplicates not counted).
    let appended: Metrics.Counter
    /// Statements a request asked for that were already in the ledger.
    let duplicates: Metrics.Counter
    /// Batch transactions committed.
    let batches: Metrics.Counter
    /// Statements per committed batch.
    let batchSize: Metrics.Recorder
    /// Time of one batch transaction.
    let commitTime: Metrics.Timer
    /// Statements waiting for the writer.
    let queueDepth: Metrics.Gauge
    /// Requests answered 503 because the queue was full.
    let pushbacks: Metrics.Counter
    /// Checkpoints signed by this server.
    let checkpoints: Metrics.Counter
    /// Checkpoints published with a quorum of witness cosignatures.
    let published: Metrics.Counter
    /// Times a witness did not cosign (refused, unreachable, or a bad answer).
    let witnessRefusals: Metrics.Counter

    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultValueHistogramBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
        factory.defaultDurationHistogramBuckets = [
            .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(20),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
        ]
        self.factory = factory
        appended = Metrics.Counter(label: "blotter_appended_statements_total", factory: factory)
        duplicates = Metrics.Counter(label: "blotter_duplicate_statements_total", factory: factory)
        batches = Metrics.Counter(label: "blotter_batches_total", factory: factory)
        batchSize = Metrics.Recorder(label: "blotter_batch_statements", aggregate: true, factory: factory)
        commitTime = Metrics.Timer(label: "blotter_batch_commit_seconds", factory: factory)
        queueDepth = Metrics.Gauge(label: "blotter_queue_statements", factory: factory)
        pushbacks = Metrics.Counter(label: "blotter_pushbacks_total", factory: factory)
        checkpoints = Metrics.Counter(label: "blotter_checkpoints_signed_total", factory: factory)
        published = Metrics.Counter(label: "blotter_checkpoints_witnessed_total", factory: factory)
        witnessRefusals = Metrics.Counter(label: "blotter_witness_refusals_total", factory: factory)
    }

    /// A request refused with `code` (the ledger's refusal codes, `pushback`, `malformed-json`, …).
    func refused(code: String) {
        Metrics.Counter(label: "blotter_refusals_total", dimensions: [("code", code)], factory: factory).increment()
    }

    /// One request's latency by route pattern (never the path itself: a path may hold a case id),
    /// method and status.
    func request(route: String, method: String, status: Int, nanoseconds: Int64) {
        Metrics.Timer(label: "blotter_http_request_seconds", dimensions: [("route", route), ("method", method), ("status", String(status))],
                      factory: factory).recordNanoseconds(nanoseconds)
    }

    func exposition() -> [UInt8] { registry.emitToBuffer() }
}
