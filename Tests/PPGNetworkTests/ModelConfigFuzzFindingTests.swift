import Foundation
import PPGNetwork
import PPGSignals
import Testing

/// Inputs found by the libFuzzer harness of `model_config` (tools/fuzz/libfuzzer), kept as found.
@Suite struct ModelConfigFuzzFindingTests {
    /// A mutated KID-PPG-style config in which a layer's inbound node refers back to itself: the
    /// graph builder recursed until the stack overflowed.
    @Test func aLayerThatIsItsOwnInputIsAnErrorNotAStackOverflow() throws {
        let path = "\(TestPaths.repository)/tools/fuzz/regressions/cyclic_model_config.json"
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
        // As found, the file also has one damaged dtype name, which the loader refuses first.
        #expect(throws: PPGScopeError.self) {
            _ = try Network.fromKeras(modelConfig: text, weights: [:], file: "cyclic_model_config.json")
        }
        // With that byte repaired, the cycle itself is what is named.
        let repaired = text.replacingOccurrences(of: "fl\u{FFFD}oat32", with: "float32")
        #expect(repaired != text)
        #expect {
            _ = try Network.fromKeras(modelConfig: repaired, weights: [:], file: "cyclic_model_config.json")
        } throws: { error in
            (error as? PPGScopeError)?.message.contains("a cycle in inbound_nodes") == true
        }
    }
}
