import Foundation
import PPGNetwork
import Testing

/// Both Conv1D backends — the direct AVX-512F kernel (register tiles, masked channel tails) and
/// the shifted BLAS GEMMs (direct SIMD loop for one input channel) — against a plain direct loop,
/// over paddings, strides, dilations, channel groups, channel counts (tails of 1–15 lanes) and fused ReLU.
@Suite struct ConvKernelTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var k: Int, cin: Int, cout: Int, stride: Int, dilation: Int, padding: Padding, bias: Bool
        var relu = false
        var groups = 1
        var testDescription: String {
            "k\(k) \(cin)→\(cout) s\(stride) d\(dilation) \(padding.rawValue)\(bias ? " bias" : "")\(relu ? " relu" : "")\(groups > 1 ? " groups \(groups)" : "")"
        }
    }

    static let cases: [Case] = [
        Case(k: 5, cin: 1, cout: 32, stride: 1, dilation: 2, padding: .causal, bias: true),
        Case(k: 5, cin: 32, cout: 48, stride: 1, dilation: 2, padding: .causal, bias: true),
        Case(k: 3, cin: 7, cout: 5, stride: 1, dilation: 3, padding: .same, bias: false),
        Case(k: 4, cin: 3, cout: 6, stride: 2, dilation: 1, padding: .same, bias: true),
        Case(k: 3, cin: 2, cout: 4, stride: 3, dilation: 1, padding: .valid, bias: true),
        Case(k: 2, cin: 1, cout: 3, stride: 1, dilation: 1, padding: .valid, bias: false),
        Case(k: 5, cin: 48, cout: 64, stride: 1, dilation: 2, padding: .causal, bias: true, relu: true),
        Case(k: 5, cin: 1, cout: 32, stride: 1, dilation: 2, padding: .causal, bias: true, relu: true),
        Case(k: 3, cin: 9, cout: 70, stride: 1, dilation: 1, padding: .same, bias: true, relu: true),
        Case(k: 1, cin: 17, cout: 129, stride: 1, dilation: 1, padding: .valid, bias: false),
        Case(k: 3, cin: 8, cout: 12, stride: 1, dilation: 2, padding: .causal, bias: true, relu: true, groups: 4),
        Case(k: 4, cin: 6, cout: 4, stride: 2, dilation: 1, padding: .same, bias: false, groups: 2),
    ]

    @Test func theDirectKernelIsUsedExactlyWhereTheCPUHasAVX512F() throws {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let flags = cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") }.map { $0.split(separator: " ") } ?? []
        let hasAVX512F = flags.contains("avx512f")
        #expect(ConvolutionBackend.directAvailable == hasAVX512F)
        #expect(ConvolutionBackend.preferred == (hasAVX512F ? .direct : .blas))
    }

    /// 3 windows of 37 samples (row tails for every tile height) and 1 window of 300 samples
    /// (the single-window path that splits rows over two threads).
    @Test(arguments: cases, ConvolutionBackend.allCases)
    func convolutionMatchesTheDirectLoop(_ c: Case, _ backend: ConvolutionBackend) {
        var state: UInt64 = 0x1234_5678
        func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2001) / 1000 - 1
        }
        let layer = Conv1DLayer(kernel: (0..<(c.k * c.cin / c.groups * c.cout)).map { _ in next() },
                                bias: c.bias ? (0..<c.cout).map { _ in next() } : nil,
                                kernelSize: c.k, inChannels: c.cin, outChannels: c.cout, stride: c.stride,
                                dilation: c.dilation, padding: c.padding, activation: c.relu ? .relu : .linear, groups: c.groups)
        for (windows, length) in [(3, 37), (1, 300)] {
            let x = (0..<(windows * length * c.cin)).map { _ in next() }
            let fast = layer.forward(x, windows: windows, length: length, backend: backend)
            let slow = NaiveReference.conv1D(layer, input: x, windows: windows, length: length).map { c.relu ? max($0, 0) : $0 }
            #expect(fast.count == slow.count && fast.count == windows * layer.outputLength(length) * c.cout)
            let worst = zip(fast, slow).map { abs($0 - $1) / (1 + abs($1)) }.max() ?? 0
            #expect(worst <= 1e-5, "\(backend) on \(windows) windows: worst relative error \(worst)")
        }
    }

    /// Dense layers through both backends: a batch of rows, and one row of a layer large enough
    /// (1024 → 256, KID-PPG's dense_26) that its column blocks are shared with the second thread.
    @Test(arguments: ConvolutionBackend.allCases)
    func denseLayersMatchThePlainLoop(_ backend: ConvolutionBackend) {
        var state: UInt64 = 99
        func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2001) / 1000 - 1
        }
        for (rows, width, units, relu, bias) in [(5, 33, 70, true, true), (1, 1024, 256, false, true), (3, 64, 2, false, false)] {
            let layer = DenseLayer(kernel: (0..<(width * units)).map { _ in next() }, bias: bias ? (0..<units).map { _ in next() } : nil,
                                   inFeatures: width, units: units, activation: relu ? .relu : .linear)
            let x = (0..<(rows * width)).map { _ in next() }
            let fast = layer.forward(x, rows: rows, backend: backend)
            let slow = NaiveReference.dense(layer, input: x, rows: rows)
            #expect(fast.count == slow.count)
            let worst = zip(fast, slow).map { abs($0 - $1) / (1 + abs($1)) }.max() ?? 0
            #expect(worst <= 1e-5, "\(backend) \(rows)×\(width)→\(units): worst relative error \(worst)")
        }
    }
}
