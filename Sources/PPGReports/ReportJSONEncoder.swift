import Foundation

/// The `Encoder` behind `ReportJSON.text`: the same bytes as Foundation's `JSONEncoder` with
/// `[.prettyPrinted, .sortedKeys]` and NaN/±∞ as the strings "nan", "inf", "-inf"
/// (`ReportJSONEncoderTests` compares the two on every report type), several times faster:
/// Foundation's encoder boxes every number into its own value tree and took about 2 µs per
/// number of a cohort recording's Bland–Altman sample, most of the time `batch` spent writing a
/// recording's summary.json. Values become a small tree (`Node`), written out once at the end.
struct ReportJSONEncoder {
    indirect enum Node {
        /// A number, a string literal or `null`, already in its JSON text.
        case scalar(String)
        case array([Node])
        case object([(key: String, value: Node)])
    }

    static func text<T: Encodable>(_ value: T) throws -> String {
        let root = NodeBox()
        try value.encode(to: TreeEncoder(box: root, codingPath: []))
        var out = ""
        out.reserveCapacity(1024)
        write(root.finished, into: &out, indent: 0)
        return out
    }

    // MARK: - Writing, as Foundation's JSONWriter does with prettyPrinted and sortedKeys

    static func write(_ node: Node, into out: inout String, indent: Int) {
        switch node {
        case .scalar(let text):
            out += text
        case .array(let items):
            guard !items.isEmpty else { out += "[\n\n" + spaces(indent) + "]"; return }
            out += "[\n"
            for (i, item) in items.enumerated() {
                out += spaces(indent + 2)
                write(item, into: &out, indent: indent + 2)
                out += i + 1 < items.count ? ",\n" : "\n"
            }
            out += spaces(indent) + "]"
        case .object(let members):
            guard !members.isEmpty else { out += "{\n\n" + spaces(indent) + "}"; return }
            out += "{\n"
            let sorted = members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            for (i, member) in sorted.enumerated() {
                out += spaces(indent + 2)
                out += quoted(member.key)
                out += " : "
                write(member.value, into: &out, indent: indent + 2)
                out += i + 1 < sorted.count ? ",\n" : "\n"
            }
            out += spaces(indent) + "}"
        }
    }

    static func spaces(_ n: Int) -> String { String(repeating: " ", count: n) }

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

    /// A Double as Foundation writes it: Swift's shortest round-trip text, without a trailing ".0".
    static func number(_ value: Double) -> String {
        if value.isNaN { return "\"nan\"" }
        if value.isInfinite { return value > 0 ? "\"inf\"" : "\"-inf\"" }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }

    static func number(_ value: Float) -> String {
        if value.isNaN { return "\"nan\"" }
        if value.isInfinite { return value > 0 ? "\"inf\"" : "\"-inf\"" }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }

    // MARK: - The tree

    /// Where an encoder puts the value it encodes (its parent reads it when the encoding is done).
    final class NodeBox {
        var node: Node?
        var array: [NodeBox]?
        var object: [(key: String, value: NodeBox)]?

        /// The finished node: an open container's children are collected now.
        var finished: Node {
            if let array { return .array(array.map(\.finished)) }
            if let object { return .object(object.map { ($0.key, $0.value.finished) }) }
            return node ?? .object([])
        }
    }

    struct TreeEncoder: Encoder {
        let box: NodeBox
        var codingPath: [any CodingKey]
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            if box.object == nil { box.object = [] }
            return KeyedEncodingContainer(Keyed<Key>(box: box, codingPath: codingPath))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            if box.array == nil { box.array = [] }
            return Unkeyed(box: box, codingPath: codingPath)
        }

        func singleValueContainer() -> any SingleValueEncodingContainer { Single(box: box, codingPath: codingPath) }
    }

    /// The text of a scalar, or nil when `value` is not one this encoder writes directly.
    static func scalar<T: Encodable>(_ value: T) -> String? {
        switch value {
        case let v as Double: return number(v)
        case let v as Float: return number(v)
        case let v as String: return quoted(v)
        case let v as Int: return String(v)
        case let v as Bool: return v ? "true" : "false"
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

    static func encodeValue<T: Encodable>(_ value: T, codingPath: [any CodingKey]) throws -> NodeBox {
        let child = NodeBox()
        if value is Date || value is Data || value is Decimal {
            throw EncodingError.invalidValue(value, EncodingError.Context(codingPath: codingPath, debugDescription: "ReportJSON writes no Date, Data or Decimal"))
        }
        if let text = scalar(value) {
            child.node = .scalar(text)
        } else if let doubles = value as? [Double] {
            // The Bland–Altman samples and spectra: arrays of numbers without a box per element.
            child.node = .array(doubles.map { .scalar(number($0)) })
        } else {
            try value.encode(to: TreeEncoder(box: child, codingPath: codingPath))
        }
        return child
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let box: NodeBox
        var codingPath: [any CodingKey]

        mutating func encodeNil(forKey key: Key) throws { append(key, .scalar("null")) }

        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            box.object!.append((key.stringValue, try ReportJSONEncoder.encodeValue(value, codingPath: codingPath + [key])))
        }

        private func append(_ key: Key, _ node: Node) {
            let child = NodeBox()
            child.node = node
            box.object!.append((key.stringValue, child))
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            let child = NodeBox()
            child.object = []
            box.object!.append((key.stringValue, child))
            return KeyedEncodingContainer(Keyed<NestedKey>(box: child, codingPath: codingPath + [key]))
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            let child = NodeBox()
            child.array = []
            box.object!.append((key.stringValue, child))
            return Unkeyed(box: child, codingPath: codingPath + [key])
        }

        mutating func superEncoder() -> any Encoder { superEncoder(forKey: Key(stringValue: "super")!) }

        mutating func superEncoder(forKey key: Key) -> any Encoder {
            let child = NodeBox()
            box.object!.append((key.stringValue, child))
            return TreeEncoder(box: child, codingPath: codingPath + [key])
        }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let box: NodeBox
        var codingPath: [any CodingKey]
        var count: Int { box.array!.count }

        mutating func encodeNil() throws {
            let child = NodeBox()
            child.node = .scalar("null")
            box.array!.append(child)
        }

        mutating func encode<T: Encodable>(_ value: T) throws {
            box.array!.append(try ReportJSONEncoder.encodeValue(value, codingPath: codingPath))
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            let child = NodeBox()
            child.object = []
            box.array!.append(child)
            return KeyedEncodingContainer(Keyed<NestedKey>(box: child, codingPath: codingPath))
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            let child = NodeBox()
            child.array = []
            box.array!.append(child)
            return Unkeyed(box: child, codingPath: codingPath)
        }

        mutating func superEncoder() -> any Encoder {
            let child = NodeBox()
            box.array!.append(child)
            return TreeEncoder(box: child, codingPath: codingPath)
        }
    }

    struct Single: SingleValueEncodingContainer {
        let box: NodeBox
        var codingPath: [any CodingKey]

        mutating func encodeNil() throws { box.node = .scalar("null") }

        mutating func encode<T: Encodable>(_ value: T) throws {
            let child = try ReportJSONEncoder.encodeValue(value, codingPath: codingPath)
            box.node = child.finished
            box.array = nil
            box.object = nil
        }
    }
}
