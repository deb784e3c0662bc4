/// The one error type ppgscope raises for bad input: it names the file (when there is one),
/// the object inside it (dataset, layer, channel, column) and what was wrong or expected.
public struct PPGScopeError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Path of the file concerned, or nil for in-memory values.
    public var file: String?
    /// Dataset, layer, channel or column concerned, if any.
    public var object: String?
    /// What is wrong, phrased for the user ("expected shape [N, 256, 2], found [3, 128]").
    public var message: String

    public init(file: String? = nil, object: String? = nil, _ message: String) {
        self.file = file
        self.object = object
        self.message = message
    }

    public var description: String {
        var parts: [String] = []
        if let file { parts.append(file) }
        if let object { parts.append(object) }
        parts.append(message)
        return parts.joined(separator: ": ")
    }

    /// The same error, attributed to `file` when it does not name one yet.
    public func inFile(_ path: String) -> PPGScopeError {
        var copy = self
        if copy.file == nil { copy.file = path }
        return copy
    }
}
