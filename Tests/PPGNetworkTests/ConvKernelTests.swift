import PPGNetwork
import Testing

/// The BLAS Conv1D (shifted GEMMs over concatenated windows, direct SIMD loop for one input
/// channel) against a plain direct loop, over paddings, strides, dilations and channel counts.
@Suite struct ConvKernelTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var k: Int, cin: Int, cout: Int, stride: Int, dilation: Int, padding: Padding, bias: Bool
        var testDescription: String { "k\(k) \(cin)→\(cout) s\(stride) d\(dilation) \(padding.rawValue)\(bias ? " bias" : "")" }
    }

    static let cases: [Case] = [
        Case(k: 5, cin: 1, cout: 32, stride: 1, dilation: 2, padding: .causal, bias: true),
        Case(k: 5, cin: 32, cout: 48, stride: 1, dilation: 2, padding: .causal, bias: true),
        Case(k: 3, cin: 7, cout: 5, stride: 1, dilation: 3, padding: .same, bias: false),
        Case(k: 4, cin: 3, cout: 6, stride: 2, dilation: 1, padding: .same, bias: true),
        Case(k: 3, cin: 2, cout: 4, stride: 3, dilation: 1, padding: .valid, bias: true),
        Case(k: 2, cin: 1, cout: 3, stride: 1, dilation: 1, padding: .valid, bias: false),
    ]

    @Test(arguments: cases)
    func blasConvolutionMatchesTheDirectLoop(_ c: Case) {
        var state: UInt64 = 0x1234_5678
        func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2001) / 1000 - 1
        }
        let length = 37, windows = 3
        let layer = Conv1DLayer(kernel: (0..<(c.k * c.cin * c.cout)).map { _ in next() },
                                bias: c.bias ? (0..<c.cout).map { _ in next() } : nil,
                                kernelSize: c.k, inChannels: c.cin, outChannels: c.cout, stride: c.stride,
                                dilation: c.dilation, padding: c.padding, activation: .linear)
        let x = (0..<(windows * length * c.cin)).map { _ in next() }
        let fast = NaiveReference.fastConv1D(layer, input: x, windows: windows, length: length)
        let slow = NaiveReference.conv1D(layer, input: x, windows: windows, length: length)
        #expect(fast.count == slow.count && fast.count == windows * layer.outputLength(length) * c.cout)
        for i in slow.indices { #expect(abs(fast[i] - slow[i]) <= 1e-5 * (1 + abs(slow[i])), "element \(i)") }
    }
}
