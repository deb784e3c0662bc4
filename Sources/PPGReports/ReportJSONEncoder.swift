import Foundation

/// The `Encoder` behind `ReportJSON.text`: the same bytes as Foundation's `JSONEncoder` with
/// `[.prettyPrinted, .sortedKeys]` and NaN/±∞ as the strings "nan", "inf", "-inf"
/// (`ReportJSONEncoderTests` compares the two on awkward values and a cohort's files), faster:
/// Foundation's encoder boxes every number into a value tree, about 1 µs per number of a cohort
/// recording's Bland–Altman sample, most of the time `batch` spent writing a summary.json (S6
/// with every estimator: 1.29 ms, this encoder 0.40 ms, release build). Containers become
/// `Fragment`s, rendered when their parent is; numbers, strings and arrays of numbers become
/// text at once.
struct ReportJSONEncoder {
    static func text<T: Encodable>(_ value: T) throws -> String {
        try encodeValue(value, codingPath: [], indent: 0).rendered(indent: 0)
    }

    /// A value being encoded: its text once known, or the members or items of a container,
    /// each rendered at the container's indentation + 2 (nested containers when they are done).
    final class Fragment {
        enum Part {
            case text(String)
            case fragment(Fragment)
        }
        var text: String?
        var items: [Part]?
        var members: [(key: String, value: Part)]?

        func rendered(indent: Int) -> String {
            if let text { return text }
            let inner = indent + 2
            func render(_ part: Part) -> String {
                switch part {
                case .text(let t): return t
                case .fragment(let f): return f.rendered(indent: inner)
                }
            }
            if let items {
                guard !items.isEmpty else { return "[\n\n" + spaces(indent) + "]" }
                var out = "[\n"
                for (i, item) in items.enumerated() {
                    out += spaces(inner)
                    out += render(item)
                    out += i + 1 < items.count ? ",\n" : "\n"
                }
                return out + spaces(indent) + "]"
            }
            let members = (members ?? []).sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            guard !members.isEmpty else { return "{\n\n" + spaces(indent) + "}" }
            var out = "{\n"
            for (i, member) in members.enumerated() {
                out += spaces(inner)
                out += quoted(member.key)
                out += " : "
                out += render(member.value)
                out += i + 1 < members.count ? ",\n" : "\n"
            }
            return out + spaces(indent) + "}"
        }
    }

    /// `[Double]` rendered at `indent` without a fragment per number, in one byte buffer.
    static func numbers(_ values: [Double], indent: Int) -> String {
        guard !values.isEmpty else { return "[\n\n" + spaces(indent) + "]" }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.count * (indent + 28) + indent + 4)
        bytes.append(UInt8(ascii: "["))
        for (i, v) in values.enumerated() {
            bytes.append(UInt8(ascii: "\n"))
            for _ in 0..<(indent + 2) { bytes.append(UInt8(ascii: " ")) }
            var text = number(v)
            text.withUTF8 { bytes.append(contentsOf: $0) }
            if i + 1 < values.count { bytes.append(UInt8(ascii: ",")) }
        }
        bytes.append(UInt8(ascii: "\n"))
        for _ in 0..<indent { bytes.append(UInt8(ascii: " ")) }
        bytes.append(UInt8(ascii: "]"))
        return String(decoding: bytes, as: UTF8.self)
    }

    static func spaces(_ n: Int) -> String { n < indents.count ? indents[n] : String(repeating: " ", count: n) }
    static let indents = (0..<64).map { String(repeating: " ", count: $0) }

    /// A JSON string literal: `"` and `\` escaped, `/` as `\/` (as Foundation writes it), the
    /// control characters as \b \f \n \r \t or \u00XX; everything else as UTF-8.
    static func quoted(_ s: String) -> String {
        var needsEscape = false
        for b in s.utf8 where b < 0x20 || b == 0x22 || b == 0x5C || b == 0x2F { needsEscape = true; break }
        guard needsEscape else { return "\"" + s + "\"" }
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "/": out += "\\/"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// A Double or Float as Foundation writes it: Swift's shortest round-trip text, without a
    /// trailing ".0"; NaN and ±∞ as the strings ReportJSON uses.
    static func number<F: BinaryFloatingPoint & CustomStringConvertible>(_ value: F) -> String {
        if value.isNaN { return "\"nan\"" }
        if value.isInfinite { return value > 0 ? "\"inf\"" : "\"-inf\"" }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }

    // MARK: - The encoder

    struct TreeEncoder: Encoder {
        let fragment: Fragment
        let indent: Int
        var codingPath: [any CodingKey]
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            if fragment.members == nil { fragment.members = [] }
            return KeyedEncodingContainer(Keyed<Key>(fragment: fragment, indent: indent, codingPath: codingPath))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            if fragment.items == nil { fragment.items = [] }
            return Unkeyed(fragment: fragment, indent: indent, codingPath: codingPath)
        }

        func singleValueContainer() -> any SingleValueEncodingContainer { Single(fragment: fragment, indent: indent, codingPath: codingPath) }
    }

    /// The text of a scalar, or nil when `value` is not one this encoder writes directly. Types
    /// are told apart by their metatypes (a pointer comparison) rather than by `as?` casts, which
    /// cost a runtime cast each and dominated the time per number.
    static func scalar<T: Encodable>(_ value: T) -> String? {
        if T.self == Double.self { return number(unsafeBitCast(value, to: Double.self)) }
        if T.self == String.self { return quoted(unsafeBitCast(value, to: String.self)) }
        if T.self == Int.self { return String(unsafeBitCast(value, to: Int.self)) }
        if T.self == Bool.self { return unsafeBitCast(value, to: Bool.self) ? "true" : "false" }
        if T.self == Float.self { return number(unsafeBitCast(value, to: Float.self)) }
        switch value {
        case let v as Int64: return String(v)
        case let v as Int32: return String(v)
        case let v as UInt64: return String(v)
        case let v as UInt32: return String(v)
        case let v as UInt8: return String(v)
        case let v as UInt: return String(v)
        case let v as URL: return quoted(v.absoluteString)
        default: return nil
        }
    }

    /// `value` encoded at `indent`: its text at once for numbers, strings and arrays of numbers
    /// (the Bland–Altman samples, spectra), else a fragment its `encode(to:)` fills.
    static func encodeValue<T: Encodable>(_ value: T, codingPath: [any CodingKey], indent: Int) throws -> Fragment {
        let fragment = Fragment()
        fragment.text = try directText(value, codingPath: codingPath, indent: indent)
        if fragment.text == nil { try value.encode(to: TreeEncoder(fragment: fragment, indent: indent, codingPath: codingPath)) }
        return fragment
    }

    static func part<T: Encodable>(_ value: T, codingPath: [any CodingKey], indent: Int) throws -> Fragment.Part {
        if let text = try directText(value, codingPath: codingPath, indent: indent) { return .text(text) }
        let fragment = Fragment()
        try value.encode(to: TreeEncoder(fragment: fragment, indent: indent, codingPath: codingPath))
        return .fragment(fragment)
    }

    static func directText<T: Encodable>(_ value: T, codingPath: [any CodingKey], indent: Int) throws -> String? {
        if T.self == [Double].self { return numbers(unsafeBitCast(value, to: [Double].self), indent: indent) }
        if T.self == [[Double]].self {
            let rows = unsafeBitCast(value, to: [[Double]].self)
            guard !rows.isEmpty else { return "[\n\n" + spaces(indent) + "]" }
            var out = "[\n"
            for (i, row) in rows.enumerated() {
                out += spaces(indent + 2)
                out += numbers(row, indent: indent + 2)
                out += i + 1 < rows.count ? ",\n" : "\n"
            }
            return out + spaces(indent) + "]"
        }
        if let text = scalar(value) { return text }
        if value is Date || value is Data || value is Decimal {
            throw EncodingError.invalidValue(value, EncodingError.Context(codingPath: codingPath, debugDescription: "ReportJSON writes no Date, Data or Decimal"))
        }
        return nil
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let fragment: Fragment
        let indent: Int
        var codingPath: [any CodingKey]

        mutating func encodeNil(forKey key: Key) throws { fragment.members!.append((key.stringValue, .text("null"))) }

        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            fragment.members!.append((key.stringValue, try ReportJSONEncoder.part(value, codingPath: codingPath + [key], indent: indent + 2)))
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            let nested = Fragment()
            nested.members = []
            fragment.members!.append((key.stringValue, .fragment(nested)))
            return KeyedEncodingContainer(Keyed<NestedKey>(fragment: nested, indent: indent + 2, codingPath: codingPath + [key]))
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            let nested = Fragment()
            nested.items = []
            fragment.members!.append((key.stringValue, .fragment(nested)))
            return Unkeyed(fragment: nested, indent: indent + 2, codingPath: codingPath + [key])
        }

        /// Under the key "super", as Foundation writes it (whether or not `Key` has such a case).
        mutating func superEncoder() -> any Encoder { superEncoder(named: "super", path: codingPath) }

        mutating func superEncoder(forKey key: Key) -> any Encoder { superEncoder(named: key.stringValue, path: codingPath + [key]) }

        private func superEncoder(named name: String, path: [any CodingKey]) -> any Encoder {
            let nested = Fragment()
            fragment.members!.append((name, .fragment(nested)))
            return TreeEncoder(fragment: nested, indent: indent + 2, codingPath: path)
        }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let fragment: Fragment
        let indent: Int
        var codingPath: [any CodingKey]
        var count: Int { fragment.items!.count }

        mutating func encodeNil() throws { fragment.items!.append(.text("null")) }

        mutating func encode<T: Encodable>(_ value: T) throws {
            fragment.items!.append(try ReportJSONEncoder.part(value, codingPath: codingPath, indent: indent + 2))
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            let nested = Fragment()
            nested.members = []
            fragment.items!.append(.fragment(nested))
            return KeyedEncodingContainer(Keyed<NestedKey>(fragment: nested, indent: indent + 2, codingPath: codingPath))
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            let nested = Fragment()
            nested.items = []
            fragment.items!.append(.fragment(nested))
            return Unkeyed(fragment: nested, indent: indent + 2, codingPath: codingPath)
        }

        mutating func superEncoder() -> any Encoder {
            let nested = Fragment()
            fragment.items!.append(.fragment(nested))
            return TreeEncoder(fragment: nested, indent: indent + 2, codingPath: codingPath)
        }
    }

    struct Single: SingleValueEncodingContainer {
        let fragment: Fragment
        let indent: Int
        var codingPath: [any CodingKey]

        mutating func encodeNil() throws { fragment.text = "null" }

        mutating func encode<T: Encodable>(_ value: T) throws {
            fragment.text = try ReportJSONEncoder.encodeValue(value, codingPath: codingPath, indent: indent).rendered(indent: indent)
        }
    }
}
