import Foundation
import PPGCompute
import PPGFormats
import Testing
@testable import PPGNetwork

/// Consecutive windows of a recording share samples, and convolutions commute with shifts away
/// from the zero padding: the rows this determines are copied, not computed, and the outputs stay
/// bit for bit those of the full computation.
@Suite struct OverlapReuseTests {
    /// A recording's consecutive windows `[count, length, 1]`, `shift` samples apart.
    static func consecutiveWindows(count: Int, length: Int, shift: Int, seed: UInt64) -> Tensor {
        var state = seed
        let signal = (0..<(length + (count - 1) * shift)).map { i -> Float in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return sin(Float(i) * 0.37) + Float(Int64(bitPattern: state >> 11) % 1000) / 2000
        }
        var values: [Float] = []
        for n in 0..<count { values += signal[(n * shift)..<(n * shift + length)] }
        return Tensor(shape: [count, length, 1], values: values)
    }

    /// A chain with every padding the plan handles: causal, same and valid convs, pools of 2 and 3.
    static func paddingZoo(activation: Activation = .relu) -> Network {
        var state: UInt64 = 3
        func weights(_ count: Int) -> [Float] {
            (0..<count).map { _ in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Float(Int64(bitPattern: state >> 11) % 2001) / 4000 - 0.25
            }
        }
        func conv(_ k: Int, _ d: Int, _ cin: Int, _ cout: Int, _ padding: Padding) -> LayerOperation {
            .conv1D(Conv1DLayer(kernel: weights(k * cin * cout), bias: weights(cout), kernelSize: k, inChannels: cin,
                                outChannels: cout, dilation: d, padding: padding, activation: activation))
        }
        let steps: [(LayerOperation, [Int])] = [
            (conv(3, 2, 1, 16, .causal), [96, 16]),
            (conv(5, 1, 16, 16, .same), [96, 16]),
            (.averagePooling(AveragePoolingLayer(poolSize: 2, stride: 2, padding: .valid)), [48, 16]),
            (.identity, [48, 16]),
            (conv(3, 3, 16, 32, .valid), [42, 32]),
            (.averagePooling(AveragePoolingLayer(poolSize: 3, stride: 3, padding: .valid)), [14, 32]),
            (conv(2, 1, 32, 16, .causal), [14, 16]),
        ]
        let nodes = steps.enumerated().map { i, step in
            NetworkNode(name: "zoo/layer_\(i)", operation: step.0, inputs: [i], output: i + 1, outputShape: step.1,
                        timeStep: 1, receptiveField: nil)
        }
        return Network(inputShape: [96, 1], nodes: nodes, outputSlot: steps.count, slotShapes: [[96, 1]] + steps.map(\.1), name: "zoo")
    }

    @Test func kidPPGBlock1Computes88Of256RowsAndBlock3All() throws {
        let network = try KerasModelFile.load(try TestPaths.required(TestPaths.s5Weights))
        let plan = OverlapReuse.plan(network, order: Array(network.nodes.indices), inputSlot: 0, shift: 64)
        let convs = network.nodes.indices.filter { if case .conv1D = network.nodes[$0].operation { return true }; return false }
        let copied = convs.map { plan[$0]?.rows ?? 0..<0 }
        // Block 1 (256 rows, 64 new per window): rows 8, 16, 24 onwards read real samples only.
        #expect(copied[0..<3] == [8..<192, 16..<192, 24..<192])
        // Block 2 (after a pool of 4: 64 rows, 16 new).
        #expect(copied[3..<6] == [14..<48, 22..<48, 30..<48])
        // Block 3 (32 rows, 8 new): only one row of its first layer avoids the padding.
        #expect(copied[6..<9] == [23..<24, 0..<0, 0..<0])
        #expect(convs.compactMap { plan[$0]?.shift } == [64, 64, 64, 16, 16, 16, 8])
        // Multiply-adds per window: 3.86 million computed of 6.43 million (40 % fewer).
        var computed = 0, full = 0
        for (i, node) in convs.map({ network.nodes[$0] }).enumerated() {
            guard case .conv1D(let layer) = node.operation else { continue }
            let perRow = layer.kernelSize * layer.inChannels * layer.outChannels
            full += node.outputShape[0] * perRow
            computed += (node.outputShape[0] - copied[i].count) * perRow
        }
        #expect(full == 6_430_720 && computed == 3_856_640)
    }

    @Test(arguments: [2, 4, 6, 12, 5, 30])
    func reusedRowsAreBitForBitTheComputedOnes(shift: Int) throws {
        let network = Self.paddingZoo()
        let windows = Self.consecutiveWindows(count: 11, length: 96, shift: shift, seed: UInt64(shift))
        let plan = OverlapReuse.plan(network, order: Array(network.nodes.indices), inputSlot: 0, shift: shift)
        if shift % 2 == 0 { #expect(!plan.isEmpty, "shift \(shift) should allow reuse") }
        for workers in [1, 2] {
            let reused = try network.forward(windows, taps: .all, workers: workers, windowShift: shift)
            let full = try network.forward(windows, taps: .all, workers: workers)
            #expect(reused.output.values == full.output.values, "shift \(shift), \(workers) workers")
            for (name, tap) in full.taps { #expect(reused.taps[name]?.values == tap.values, "\(name), shift \(shift)") }
        }
    }

    /// Activations other than ReLU run after the kernel, so the buffer holds pre-activations while
    /// rows are copied: the copies must still be the computed rows, within a batch and across batches.
    @Test(arguments: [Activation.gelu(approximate: false), .elu(alpha: 1), .sigmoid, .leakyReLU(negativeSlope: 0.2), .linear])
    func reusedRowsAreBitForBitTheComputedOnesForEveryActivation(_ activation: Activation) throws {
        let network = Self.paddingZoo(activation: activation)
        let windows = Self.consecutiveWindows(count: 11, length: 96, shift: 4, seed: 4)
        for workers in [1, 2] {
            let reused = try network.forward(windows, taps: .all, workers: workers, windowShift: 4)
            let full = try network.forward(windows, taps: .all, workers: workers)
            #expect(reused.output.values == full.output.values, "\(activation.label), \(workers) workers")
            for (name, tap) in full.taps { #expect(reused.taps[name]?.values == tap.values, "\(name), \(activation.label)") }
        }
    }

    /// (The BLAS path computes every row, so this is about the direct kernel.)
    @Test(.enabled(if: ConvolutionBackend.directAvailable))
    func copiedRowsComeFromThePreviousWindowAndTheRestIsComputed() throws {
        // A poisoned "previous window": every copied row must show it, every other row must not.
        let network = Self.paddingZoo()
        let windows = Self.consecutiveWindows(count: 2, length: 96, shift: 4, seed: 9)
        let first = 0
        let plan = OverlapReuse.plan(network, order: [first], inputSlot: 0, shift: 4)
        let rows = try #require(plan[first]?.rows)
        let poison = [Float](repeating: 7, count: 96 * 16)
        let context = OverlapContext(reuse: plan, windowOverlaps: [true], previous: [1: poison])
        let run = network.execute(nodes: [first], presets: [0: windows.windows(1..<2).values], windows: 1, keep: [1],
                                  taps: .none, overlap: context)
        let y = try #require(run.slots[1])
        for r in 0..<96 {
            let poisoned = y[(r * 16)..<((r + 1) * 16)].allSatisfy { $0 == 7 }
            #expect(poisoned == rows.contains(r), "row \(r)")
        }
    }

    /// With an activation applied after the kernel the buffer holds pre-activations, so an activated
    /// previous window must not be copied into it.
    @Test(.enabled(if: ConvolutionBackend.directAvailable))
    func anActivatedPreviousWindowIsNotCopiedIntoPreactivations() throws {
        let network = Self.paddingZoo(activation: .gelu(approximate: false))
        let windows = Self.consecutiveWindows(count: 2, length: 96, shift: 4, seed: 9)
        let plan = OverlapReuse.plan(network, order: [0], inputSlot: 0, shift: 4)
        #expect(plan[0] != nil)
        let context = OverlapContext(reuse: plan, windowOverlaps: [true], previous: [1: [Float](repeating: 7, count: 96 * 16)])
        let run = network.execute(nodes: [0], presets: [0: windows.windows(1..<2).values], windows: 1, keep: [1],
                                  taps: .none, overlap: context)
        let plain = network.execute(nodes: [0], presets: [0: windows.windows(1..<2).values], windows: 1, keep: [1], taps: .none)
        #expect(run.slots[1] == plain.slots[1])
    }

    @Test func windowsThatDoNotOverlapAreComputedInFull() {
        let windows = Self.consecutiveWindows(count: 4, length: 96, shift: 8, seed: 1)
        #expect(OverlapReuse.overlapFlags(windows.values, windows: 4, length: 96, channels: 1, shift: 8) == [false, true, true, true])
        var touched = windows.values
        // Window 2's sample 50 is window 1's sample 58 and window 3's sample 42: both pairs break.
        touched[2 * 96 + 50] += 1e-6
        #expect(OverlapReuse.overlapFlags(touched, windows: 4, length: 96, channels: 1, shift: 8) == [false, true, false, false])
        #expect(OverlapReuse.overlapFlags(windows.values, windows: 4, length: 96, channels: 1, shift: 4) == [false, false, false, false])
        let previous = Array(windows.values[0..<96])
        #expect(OverlapReuse.overlapFlags(Array(windows.values[96...]), windows: 3, length: 96, channels: 1, shift: 8,
                                          previous: previous) == [true, true, true])
    }

    @Test func s5OnTheS6WindowsIsUnchanged() throws {
        let network = try KerasModelFile.load(try TestPaths.required(TestPaths.s5Weights))
        let windows = try Self.s6Windows(count: 40)
        let reused = try network.forward(windows, taps: .all, windowShift: 64)
        let full = try network.forward(windows, taps: .all)
        #expect(reused.output.values == full.output.values)
        for (name, tap) in full.taps { #expect(reused.taps[name]?.values == tap.values, "\(name)") }
    }

    @Test func kidPPGPairsAndStreamingAreUnchanged() throws {
        TileSharingWorker.enable()
        let network = try KerasModelFile.load(try TestPaths.required(TestPaths.kidPPGWeights))
        let split = try #require(WindowPairSplit(network))
        let windows = try Self.s6Windows(count: 40)
        let full = try split.consecutivePairs(windows)
        #expect(try split.consecutivePairs(windows, windowShift: 64).values == full.values)
        var stream = WindowPairStream(split, windowShift: 64)
        var streamed: [Float] = []
        for n in 0..<windows.batch {
            if let out = try stream.push(windows.windows(n..<(n + 1)).values) { streamed += out.values }
        }
        #expect(streamed == full.values)
    }

    /// The first `count` consecutive 8 s windows (2 s apart) of the S6 recording's PPG.
    static func s6Windows(count: Int) throws -> Tensor {
        let recording = try RecordingHDF5.read(try TestPaths.required(TestPaths.s6Recording))
        let ppg = try #require(recording.channel("ppg"))
        var values: [Float] = []
        for n in 0..<count { values += ppg.samples[(n * 64)..<(n * 64 + 256)] }
        return Tensor(shape: [count, 256, 1], values: values)
    }
}
