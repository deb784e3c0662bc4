/// A parsed JSON value: Keras model configs are walked as trees of these.
enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses JSON text. The bare `NaN`, `Infinity` and `-Infinity` that Python's `json` writes
    /// are read as null (outside strings only).
    ///
    /// A direct byte parser: KID-PPG's 40 KB `model_config` parses in well under a millisecond,
    /// where going through `JSONSerialization` and Foundation bridging took about 4 ms of the
    /// model's load time.
    static func parse(_ text: String) throws -> JSONValue {
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBufferPointer { buffer in
            var parser = JSONParser(bytes: buffer)
            let value = try parser.value()
            parser.skipSpace()
            guard parser.position == buffer.count else { throw parser.error("unexpected text after the value") }
            return value
        }
    }

    subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    var string: String? { if case .string(let s) = self { return s }; return nil }
    var double: Double? { if case .number(let d) = self { return d }; return nil }
    var int: Int? { double.map { Int($0) } }
    var bool: Bool? { if case .bool(let b) = self { return b }; return nil }
    var array: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
    var isNull: Bool { self == .null }

    /// An int, or the first element of a one-element list (`"kernel_size": [5]`).
    var intOrFirst: Int? { int ?? array?.first?.int }
}

/// A JSON syntax error at a byte offset.
struct JSONSyntaxError: Error, CustomStringConvertible {
    var offset: Int
    var message: String
    var description: String { "\(message) at byte \(offset)" }
}

/// Recursive-descent parser over UTF-8 bytes (RFC 8259 plus Python's non-finite literals).
struct JSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0
    var depth = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    func error(_ message: String) -> JSONSyntaxError { JSONSyntaxError(offset: position, message: message) }

    mutating func skipSpace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count else { return false }
        for i in 0..<count where bytes[position + i] != word.utf8Start[i] { return false }
        position += count
        return true
    }

    mutating func value() throws -> JSONValue {
        skipSpace()
        guard position < bytes.count else { throw error("unexpected end of text") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): if literal("true") { return .bool(true) }
        case UInt8(ascii: "f"): if literal("false") { return .bool(false) }
        case UInt8(ascii: "n"): if literal("null") { return .null }
        case UInt8(ascii: "N"): if literal("NaN") { return .null }
        case UInt8(ascii: "I"): if literal("Infinity") { return .null }
        case UInt8(ascii: "-"): if literal("-Infinity") { return .null }; return try number()
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: break
        }
        throw error("unexpected character")
    }

    mutating func nested<T>(_ body: (inout JSONParser) throws -> T) throws -> T {
        depth += 1
        defer { depth -= 1 }
        guard depth <= 512 else { throw error("nesting deeper than 512 levels") }
        return try body(&self)
    }

    mutating func object() throws -> JSONValue {
        try nested { p in
            p.position += 1
            var members: [String: JSONValue] = [:]
            p.skipSpace()
            if p.position < p.bytes.count, p.bytes[p.position] == UInt8(ascii: "}") { p.position += 1; return .object(members) }
            while true {
                p.skipSpace()
                guard p.position < p.bytes.count, p.bytes[p.position] == UInt8(ascii: "\"") else { throw p.error("expected a member name") }
                let key = try p.string()
                p.skipSpace()
                guard p.position < p.bytes.count, p.bytes[p.position] == UInt8(ascii: ":") else { throw p.error("expected ':'") }
                p.position += 1
                members[key] = try p.value()
                p.skipSpace()
                guard p.position < p.bytes.count else { throw p.error("unterminated object") }
                if p.bytes[p.position] == UInt8(ascii: ",") { p.position += 1; continue }
                if p.bytes[p.position] == UInt8(ascii: "}") { p.position += 1; return .object(members) }
                throw p.error("expected ',' or '}'")
            }
        }
    }

    mutating func array() throws -> JSONValue {
        try nested { p in
            p.position += 1
            var elements: [JSONValue] = []
            p.skipSpace()
            if p.position < p.bytes.count, p.bytes[p.position] == UInt8(ascii: "]") { p.position += 1; return .array(elements) }
            while true {
                elements.append(try p.value())
                p.skipSpace()
                guard p.position < p.bytes.count else { throw p.error("unterminated array") }
                if p.bytes[p.position] == UInt8(ascii: ",") { p.position += 1; continue }
                if p.bytes[p.position] == UInt8(ascii: "]") { p.position += 1; return .array(elements) }
                throw p.error("expected ',' or ']'")
            }
        }
    }

    mutating func hex4() throws -> UInt32 {
        guard position + 4 <= bytes.count else { throw error("truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[position]
            let digit: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = c - UInt8(ascii: "A") + 10
            default: throw error("bad \\u escape")
            }
            v = v << 4 | UInt32(digit)
            position += 1
        }
        return v
    }

    mutating func string() throws -> String {
        position += 1 // opening quote
        let start = position
        // Fast path: no escapes.
        while position < bytes.count, bytes[position] != UInt8(ascii: "\""), bytes[position] != UInt8(ascii: "\\") {
            guard bytes[position] >= 0x20 else { throw error("control character in string") }
            position += 1
        }
        guard position < bytes.count else { throw error("unterminated string") }
        var utf8 = Array(bytes[start..<position])
        while bytes[position] != UInt8(ascii: "\"") {
            let c = bytes[position]
            if c == UInt8(ascii: "\\") {
                position += 1
                guard position < bytes.count else { throw error("unterminated string") }
                let e = bytes[position]
                position += 1
                switch e {
                case UInt8(ascii: "\""): utf8.append(0x22)
                case UInt8(ascii: "\\"): utf8.append(0x5C)
                case UInt8(ascii: "/"): utf8.append(0x2F)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar), position + 6 <= bytes.count,
                       bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") {
                        position += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw error("bad surrogate pair") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    utf8.append(contentsOf: String(Unicode.Scalar(scalar) ?? "\u{FFFD}").utf8)
                default: throw error("bad escape")
                }
            } else {
                guard c >= 0x20 else { throw error("control character in string") }
                utf8.append(c)
                position += 1
            }
            guard position < bytes.count else { throw error("unterminated string") }
        }
        position += 1 // closing quote
        return String(decoding: utf8, as: UTF8.self)
    }

    mutating func number() throws -> JSONValue {
        let start = position
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        func digits(_ p: inout JSONParser) -> Int {
            let s = p.position
            while p.position < p.bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(p.bytes[p.position]) { p.position += 1 }
            return p.position - s
        }
        guard digits(&self) > 0 else { throw error("bad number") }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard digits(&self) > 0 else { throw error("bad number") }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard digits(&self) > 0 else { throw error("bad number") }
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        guard let d = Double(text) else { throw error("bad number") }
        return .number(d)
    }
}
