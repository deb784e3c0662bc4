import Foundation

/// A parsed JSON value: Keras model configs are walked as trees of these.
public enum JSONValue: Sendable, Equatable, Decodable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    /// Parses JSON text; NaN/Infinity literals (which Python's json writes) are read as null.
    public static func parse(_ text: String) throws -> JSONValue {
        let cleaned = text.replacingOccurrences(of: "NaN", with: "null")
            .replacingOccurrences(of: "-Infinity", with: "null")
            .replacingOccurrences(of: "Infinity", with: "null")
        return try JSONDecoder().decode(JSONValue.self, from: Data(cleaned.utf8))
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    public var string: String? { if case .string(let s) = self { return s }; return nil }
    public var double: Double? { if case .number(let d) = self { return d }; return nil }
    public var int: Int? { double.map { Int($0) } }
    public var bool: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var array: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
    public var isNull: Bool { self == .null }

    /// An int, or the first element of a one-element list (`"kernel_size": [5]`).
    public var intOrFirst: Int? { int ?? array?.first?.int }
}
