import Foundation

/// A parsed JSON value: Keras model configs are walked as trees of these.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses JSON text; NaN/Infinity literals (which Python's json writes) are read as null.
    public static func parse(_ text: String) throws -> JSONValue {
        let cleaned = text.replacingOccurrences(of: "NaN", with: "null")
            .replacingOccurrences(of: "-Infinity", with: "null")
            .replacingOccurrences(of: "Infinity", with: "null")
        let object = try JSONSerialization.jsonObject(with: Data(cleaned.utf8), options: [.fragmentsAllowed])
        return JSONValue(foundation: object)
    }

    /// Converts JSONSerialization's output (much faster than decoding through `Decodable`).
    init(foundation object: Any) {
        switch object {
        case let s as String: self = .string(s)
        case let n as NSNumber:
            // JSONSerialization gives booleans as NSNumber too (objCType "c"); JSON numbers never are chars.
            if String(cString: n.objCType) == "c" { self = .bool(n.boolValue) } else { self = .number(n.doubleValue) }
        case let a as [Any]: self = .array(a.map { JSONValue(foundation: $0) })
        case let o as [String: Any]: self = .object(o.mapValues { JSONValue(foundation: $0) })
        default: self = .null
        }
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
