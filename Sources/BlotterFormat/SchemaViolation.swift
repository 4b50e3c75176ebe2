/// One way an instance fails a schema: where (a JSON pointer into the instance), which keyword, why.
public struct SchemaViolation: Sendable, Equatable, CustomStringConvertible {
    public let instancePath: String
    public let keyword: String
    public let message: String

    public init(instancePath: String, keyword: String, message: String) {
        self.instancePath = instancePath
        self.keyword = keyword
        self.message = message
    }

    public var description: String { "\(instancePath.isEmpty ? "/" : instancePath): \(keyword): \(message)" }
}
