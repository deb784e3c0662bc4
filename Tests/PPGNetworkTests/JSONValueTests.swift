import Foundation
import PPGFormats
@testable import PPGNetwork
import Testing

/// The model-config JSON parser: RFC 8259 plus Python's bare NaN/Infinity, checked against
/// Foundation's JSONSerialization on real Keras configs and on hand-written edge cases.
@Suite struct JSONValueTests {
    /// JSONSerialization's tree as a JSONValue, the independent oracle.
    static func oracle(_ object: Any) -> JSONValue {
        switch object {
        case let s as String: return .string(s)
        case let n as NSNumber:
            if String(cString: n.objCType) == "c" { return .bool(n.boolValue) }
            return .number(n.doubleValue)
        case let a as [Any]: return .array(a.map(oracle))
        case let o as [String: Any]: return .object(o.mapValues(oracle))
        default: return .null
        }
    }

    @Test(arguments: [TestPaths.s5Weights, TestPaths.kidPPGWeights])
    func realModelConfigsParseAsJSONSerializationReadsThem(_ path: String) throws {
        let file = try HDF5File.open(try TestPaths.required(path))
        defer { file.close() }
        let config = try file.stringAttribute("/", "model_config")
        let expected = Self.oracle(try JSONSerialization.jsonObject(with: Data(config.utf8)))
        #expect(try JSONValue.parse(config) == expected)
    }

    @Test func escapesNumbersAndNonFiniteLiterals() throws {
        let text = #"{"a": [1, -2.5e3, 0.125, 1E-2, true, false, null, NaN, -Infinity, Infinity], "NaN in a string": "x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00 NaN", "": {}}"#
        let v = try JSONValue.parse(text)
        #expect(v["a"] == .array([.number(1), .number(-2500), .number(0.125), .number(0.01), .bool(true), .bool(false), .null, .null, .null, .null]))
        #expect(v["NaN in a string"] == .string("x\"\\/\u{8}\u{c}\n\r\té😀 NaN"))
        #expect(v[""] == .object([:]))
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "[1 2]", "\"abc", "01x", "-", "1.", "1e", "tru", "[\"\u{1}\"]", "{} []", "\"\\q\""])
    func malformedTextIsAnError(_ text: String) {
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse(text) }
    }
}
