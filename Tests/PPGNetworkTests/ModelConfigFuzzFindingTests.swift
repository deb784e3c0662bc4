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
        #expect {
            _ = try Network.fromKeras(modelConfig: text, weights: [:], file: "cyclic_model_config.json")
        } throws: { error in
            (error as? PPGScopeError)?.message.contains("a cycle in inbound_nodes") == true
        }
    }
}
