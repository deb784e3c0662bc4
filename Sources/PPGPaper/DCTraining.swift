import Foundation
import PPGCompute
import PPGNetwork
import PPGSignals

/// The three networks of Section V-C.
public enum DCModel: String, CaseIterable, Sendable, Codable {
    /// ReLU conv activations, plain cosines.
    case relu
    /// Linear conv activations, plain cosines.
    case linear
    /// Linear conv activations, cosines plus a class-dependent DC a·√2/4.
    case linearDC = "linear_dc"

    public var activation: ConvActivation { self == .relu ? .relu : .linear }
    public var addsDC: Bool { self == .linearDC }
}

/// The classification data of Section V-C: `samplesPerClass` cosines per class, x(t) = cos(2π f t) with
/// f ~ N(f_c, σ) Hz, t = n / fs, n = 0 ..< T, labels 0 …classes−1; no random phase (the paper gives none).
public struct CosineDataset: Sendable {
    /// `[count, T]`, row-major.
    public var inputs: [Float]
    public var labels: [Int32]
    public var frequenciesHz: [Double]
    public let length: Int
    public var count: Int { labels.count }

    public init(inputs: [Float], labels: [Int32], frequenciesHz: [Double], length: Int) {
        self.inputs = inputs
        self.labels = labels
        self.frequenciesHz = frequenciesHz
        self.length = length
    }

    /// Draws the frequencies from `rng` class by class (class 0 first), in Double, then stores Float.
    public static func cosines(classFrequenciesHz: [Double], standardDeviationHz: Double, samplesPerClass: Int,
                               length: Int, samplingRateHz: Double, rng: inout Xoshiro256StarStar) -> CosineDataset {
        var inputs: [Float] = []
        inputs.reserveCapacity(classFrequenciesHz.count * samplesPerClass * length)
        var labels: [Int32] = [], freqs: [Double] = []
        for (label, f0) in classFrequenciesHz.enumerated() {
            for _ in 0..<samplesPerClass {
                let f = f0 + standardDeviationHz * rng.nextNormal()
                for n in 0..<length { inputs.append(Float(cos(2 * Double.pi * f * Double(n) / samplingRateHz))) }
                labels.append(Int32(label))
                freqs.append(f)
            }
        }
        return CosineDataset(inputs: inputs, labels: labels, frequenciesHz: freqs, length: length)
    }

    /// The same signals with a per-class constant added: class c gets `amplitudes[c] · √2 / 4` (paper eq. 11).
    public func addingDC(amplitudes: [Double]) -> CosineDataset {
        var copy = self
        for i in 0..<count {
            let offset = Float(amplitudes[Int(labels[i])] * 2.0.squareRoot() / 4)
            for t in 0..<length { copy.inputs[i * length + t] += offset }
        }
        return copy
    }
}

/// Settings of `paper dc-training`. Defaults are the paper's.
public struct DCTrainingConfiguration: Sendable, Codable {
    public var repetitions = 100
    public var epochs = 60
    public var seed: UInt64 = 0
    public var batchSize = 64
    public var samplesPerClass = 1024
    public var learningRate: Float = 1e-3
    public var shape = SmallCNNShape.paper
    public var classFrequenciesHz: [Double] = [3, 5, 10]
    public var frequencyStandardDeviationHz = 0.1
    public var samplingRateHz = 32.0
    /// a per class; the DC added is a·√2/4.
    public var dcAmplitudes: [Double] = [1, 5, 19]
    public var models: [DCModel] = DCModel.allCases
    /// Parallel workers (one repetition each at a time); 0 = one per core.
    public var workers = 0
    /// Compute the linear networks through their composed kernel (exact; see `SmallCNNTrainer`).
    public var collapseLinear = true

    public init() {}
}

/// One network trained once: per-epoch curves (index e = after epoch e + 1).
public struct DCTrainingRun: Sendable, Codable {
    public var repetition: Int
    public var model: DCModel
    /// Mean training loss over the epoch's samples (as Keras' history reports it).
    public var loss: [Double]
    /// ‖W_conv1(epoch end) − W_conv1(initial)‖₂ (Frobenius).
    public var conv1Distance: [Double]
    public var conv2Distance: [Double]
    /// Training-set accuracy and loss with the final weights.
    public var finalAccuracy: Double
    public var finalLoss: Double
    /// Wall time of the training (seconds).
    public var seconds: Double
}

/// Mean and (population) standard deviation per epoch over repetitions.
public struct CurveSummary: Sendable, Codable {
    public var mean: [Double]
    public var std: [Double]

    public init(_ curves: [[Double]]) {
        let epochs = curves.map(\.count).min() ?? 0
        let n = Double(curves.count)
        mean = (0..<epochs).map { e in curves.reduce(0) { $0 + $1[e] } / n }
        std = (0..<epochs).map { e in
            let m = curves.reduce(0) { $0 + $1[e] } / n
            return (curves.reduce(0) { $0 + ($1[e] - m) * ($1[e] - m) } / n).squareRoot()
        }
    }
}

public struct DCTrainingResult: Sendable {
    public var configuration: DCTrainingConfiguration
    /// `runs[repetition]` holds one run per model, in `configuration.models` order.
    public var runs: [[DCTrainingRun]]
    /// Wall time of each repetition (all models, one worker), seconds.
    public var repetitionSeconds: [Double]
    /// Wall time of the whole experiment, seconds.
    public var wallSeconds: Double
    public var workers: Int

    public func runs(of model: DCModel) -> [DCTrainingRun] { runs.compactMap { $0.first { $0.model == model } } }
    public func loss(_ model: DCModel) -> CurveSummary { CurveSummary(runs(of: model).map(\.loss)) }
    public func conv1Distance(_ model: DCModel) -> CurveSummary { CurveSummary(runs(of: model).map(\.conv1Distance)) }
    public func conv2Distance(_ model: DCModel) -> CurveSummary { CurveSummary(runs(of: model).map(\.conv2Distance)) }
}

/// Section V-C: trains the three networks `repetitions` times and records loss and kernel distances.
public enum DCTraining {
    /// Random streams of one repetition (data, initial weights, shuffling) from `(seed, repetition)`.
    static func rng(_ c: DCTrainingConfiguration, repetition: Int, purpose: UInt64) -> Xoshiro256StarStar {
        Xoshiro256StarStar(seed: c.seed, stream: UInt64(repetition) &* 16 &+ purpose)
    }

    /// The dataset of one repetition (without the DC).
    public static func dataset(_ c: DCTrainingConfiguration, repetition: Int) -> CosineDataset {
        var r = rng(c, repetition: repetition, purpose: 0)
        return CosineDataset.cosines(classFrequenciesHz: c.classFrequenciesHz,
                                     standardDeviationHz: c.frequencyStandardDeviationHz,
                                     samplesPerClass: c.samplesPerClass, length: c.shape.length,
                                     samplingRateHz: c.samplingRateHz, rng: &r)
    }

    /// One repetition: the same data, initial weights and shuffling order for every model.
    /// `batchThreads` ≥ 2 computes the two halves of each conv-path batch on two threads (the
    /// results are the same as with one).
    public static func repetition(_ c: DCTrainingConfiguration, _ repetition: Int, batchThreads: Int = 1) -> [DCTrainingRun] {
        let data = dataset(c, repetition: repetition)
        let withDC = c.models.contains(.linearDC) ? data.addingDC(amplitudes: c.dcAmplitudes) : data
        var initRNG = rng(c, repetition: repetition, purpose: 1)
        let initial = c.shape.layout.glorotUniform(c.shape, rng: &initRNG)
        return c.models.map { model in
            train(model: model, data: model.addsDC ? withDC : data, initial: initial, configuration: c,
                  shuffle: rng(c, repetition: repetition, purpose: 2), repetition: repetition, batchThreads: batchThreads)
        }
    }

    /// Trains one network from `initial` for `configuration.epochs` epochs.
    ///
    /// On the conv path every batch is split in two halves, each with its own trainer, whose losses
    /// and gradients are added: always, so that the results do not depend on `batchThreads`, which
    /// runs the halves on two threads when it is 2 or more.
    public static func train(model: DCModel, data: CosineDataset, initial: [Float], configuration c: DCTrainingConfiguration,
                             shuffle: Xoshiro256StarStar, repetition: Int = 0, batchThreads: Int = 1) -> DCTrainingRun {
        let start = DispatchTime.now().uptimeNanoseconds
        let shape = c.shape, layout = shape.layout, T = shape.length
        let trainer = SmallCNNTrainer(shape: shape, activation: model.activation, maxBatch: c.batchSize,
                                      collapseLinear: c.collapseLinear)
        let halves = trainer.collapsed ? nil : BatchHalves(trainer, SmallCNNTrainer(shape: shape, activation: model.activation,
                                                                                    maxBatch: c.batchSize, collapseLinear: c.collapseLinear))
        var w = initial
        var gradient = [Float](repeating: 0, count: layout.count)
        var adam = Adam(count: layout.count, learningRate: c.learningRate)
        var order = Array(0..<data.count)
        var rng = shuffle
        var batchInputs = [Float](repeating: 0, count: c.batchSize * T)
        var batchLabels = [Int32](repeating: 0, count: c.batchSize)
        var losses: [Double] = [], d1: [Double] = [], d2: [Double] = []
        func distance(_ r: Range<Int>) -> Double {
            var s = 0.0
            for i in r { let d = Double(w[i]) - Double(initial[i]); s += d * d }
            return s.squareRoot()
        }
        for _ in 0..<c.epochs {
            // Fisher–Yates shuffle each epoch; the last batch may be partial (as Keras).
            for i in stride(from: order.count - 1, to: 0, by: -1) {
                order.swapAt(i, Int(rng.next() % UInt64(i + 1)))
            }
            var epochLoss = 0.0
            var at = 0
            while at < order.count {
                let batch = min(c.batchSize, order.count - at)
                data.inputs.withUnsafeBufferPointer { src in
                    batchInputs.withUnsafeMutableBufferPointer { dst in
                        for b in 0..<batch {
                            (dst.baseAddress! + b * T).update(from: src.baseAddress! + order[at + b] * T, count: T)
                        }
                    }
                }
                for b in 0..<batch { batchLabels[b] = data.labels[order[at + b]] }
                let loss = w.withUnsafeBufferPointer { wp in
                    batchInputs.withUnsafeBufferPointer { xp in
                        batchLabels.withUnsafeBufferPointer { yp in
                            gradient.withUnsafeMutableBufferPointer { gp in
                                let (p, x, y, g) = (wp.baseAddress!, xp.baseAddress!, yp.baseAddress!, gp.baseAddress!)
                                return halves?.lossAndGradient(parameters: p, inputs: x, labels: y, batch: batch, gradient: g,
                                                               threads: batchThreads)
                                    ?? trainer.lossAndGradient(parameters: p, inputs: x, labels: y, batch: batch, gradient: g)
                            }
                        }
                    }
                }
                epochLoss += loss * Double(batch)
                adam.update(&w, gradient: gradient)
                at += batch
            }
            losses.append(epochLoss / Double(order.count))
            d1.append(distance(layout.conv1))
            d2.append(distance(layout.conv2))
        }
        let (finalLoss, accuracy) = evaluate(trainer: trainer, parameters: w, data: data, batchSize: c.batchSize)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return DCTrainingRun(repetition: repetition, model: model, loss: losses, conv1Distance: d1, conv2Distance: d2,
                             finalAccuracy: accuracy, finalLoss: finalLoss, seconds: seconds)
    }

    /// Mean cross-entropy and accuracy of `parameters` over the whole dataset.
    public static func evaluate(trainer: SmallCNNTrainer, parameters: [Float], data: CosineDataset,
                                batchSize: Int) -> (loss: Double, accuracy: Double) {
        let T = data.length, Q = trainer.shape.classes
        var correct = 0, total = 0.0
        var at = 0
        while at < data.count {
            let batch = min(batchSize, data.count - at)
            let logits = parameters.withUnsafeBufferPointer { wp in
                data.inputs.withUnsafeBufferPointer { xp in
                    trainer.logits(parameters: wp.baseAddress!, inputs: xp.baseAddress! + at * T, batch: batch)
                }
            }
            for b in 0..<batch {
                let row = logits[(b * Q)..<((b + 1) * Q)]
                let peak = row.max()!
                let lse = Double(peak) + log(row.reduce(0.0) { $0 + exp(Double($1 - peak)) })
                let y = Int(data.labels[at + b])
                total += lse - Double(row[row.startIndex + y])
                if row.firstIndex(of: peak)! - row.startIndex == y { correct += 1 }
            }
            at += batch
        }
        return (total / Double(data.count), Double(correct) / Double(data.count))
    }

    /// Runs every repetition, `workers` at a time (repetitions are independent; BLAS stays single-threaded).
    /// `progress` is called after each repetition with (repetition, seconds, finished count).
    public static func run(_ c: DCTrainingConfiguration,
                           progress: (@Sendable (Int, Double, Int) -> Void)? = nil) -> DCTrainingResult {
        let workers = max(1, min(c.workers > 0 ? c.workers : ProcessInfo.processInfo.activeProcessorCount, c.repetitions))
        let box = ResultBox(count: c.repetitions)
        let repetitions = WorkCounter(limit: c.repetitions)
        let start = DispatchTime.now().uptimeNanoseconds
        // Cores left over when there are fewer repetitions than cores go to the halves of each batch.
        let batchThreads = max(1, (c.workers > 0 ? c.workers : ProcessInfo.processInfo.activeProcessorCount) / workers)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let r = repetitions.next() {
                let t0 = DispatchTime.now().uptimeNanoseconds
                let runs = repetition(c, r, batchThreads: batchThreads)
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                let done = box.store(r, runs, seconds)
                progress?(r, seconds, done)
            }
        }
        let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return DCTrainingResult(configuration: c, runs: box.runs, repetitionSeconds: box.seconds, wallSeconds: wall,
                                workers: workers)
    }
}

/// A conv-path batch computed as two halves, each by its own trainer, whose losses and gradients are
/// added: the same numbers whether the halves run on one thread or two.
private final class BatchHalves {
    private let trainers: [SmallCNNTrainer]
    private var secondGradient: [Float]

    init(_ first: SmallCNNTrainer, _ second: SmallCNNTrainer) {
        trainers = [first, second]
        secondGradient = [Float](repeating: 0, count: first.layout.count)
    }

    /// As `SmallCNNTrainer.lossAndGradient`; `threads` ≥ 2 runs the halves on two threads.
    func lossAndGradient(parameters: UnsafePointer<Float>, inputs: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
                         batch: Int, gradient: UnsafeMutablePointer<Float>, threads: Int) -> Double {
        let half = (batch + 1) / 2
        return secondGradient.withUnsafeMutableBufferPointer { second in
            let parts = [(0..<half, gradient), (half..<batch, second.baseAddress!)]
            var losses = [0.0, 0.0]
            losses.withUnsafeMutableBufferPointer { buffer in
                let share = buffer.baseAddress!
                let run = { (i: Int) in
                    share[i] = self.trainers[i].partialLossAndGradient(parameters: parameters, inputs: inputs, labels: labels,
                                                                       batch: batch, part: parts[i].0, gradient: parts[i].1)
                }
                if threads >= 2 { TileSharingWorker.run(tiles: 2, run) } else { run(0); run(1) }
            }
            for i in second.indices { gradient[i] += second[i] }
            return losses[0] + losses[1]
        }
    }
}

/// Collects results across worker threads (`WorkCounter` hands out the repetitions).
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var finished = 0
    private(set) var runs: [[DCTrainingRun]]
    private(set) var seconds: [Double]
    let count: Int

    init(count: Int) {
        self.count = count
        runs = Array(repeating: [], count: count)
        seconds = Array(repeating: 0, count: count)
    }

    func store(_ r: Int, _ value: [DCTrainingRun], _ s: Double) -> Int {
        lock.lock(); defer { lock.unlock() }
        runs[r] = value
        seconds[r] = s
        finished += 1
        return finished
    }
}
