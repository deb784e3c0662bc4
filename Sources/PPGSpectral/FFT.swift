import CFFTW3
import Foundation

/// Real-to-complex FFTs through FFTW (single precision), one plan per length, made once and shared.
///
/// Plans are created with `FFTW_ESTIMATE | FFTW_UNALIGNED` under a lock (FFTW's planner is not
/// thread-safe), and executed with the new-array interface on the caller's buffers, which is safe
/// from any thread.
public final class RealFFT: @unchecked Sendable {
    /// Transform length in samples.
    public let length: Int
    private let plan: fftwf_plan

    private static let lock = NSLock()
    nonisolated(unsafe) private static var plans: [Int: RealFFT] = [:]

    /// The shared transform of `length` samples.
    public static func of(length: Int) -> RealFFT {
        precondition(length > 0, "FFT length must be positive")
        lock.lock()
        defer { lock.unlock() }
        if let existing = plans[length] { return existing }
        let made = RealFFT(length: length)
        plans[length] = made
        return made
    }

    private init(length: Int) {
        self.length = length
        let input = fftwf_alloc_real(length)!
        let output = fftwf_alloc_complex(length / 2 + 1)!
        plan = fftwf_plan_dft_r2c_1d(Int32(length), input, output, UInt32(FFTW_ESTIMATE | FFTW_UNALIGNED))!
        fftwf_free(input)
        fftwf_free(output)
    }

    /// Bins 0…length/2 of the DFT `X[k] = Σ x[t] e^{−2πikt/N}` as (re, im) pairs: `[2·(N/2+1)]`.
    /// `x` shorter than `length` is zero-padded.
    public func forward(_ x: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>, scratch: inout [Float]) {
        precondition(output.count >= 2 * (length / 2 + 1) && x.count <= length)
        if scratch.count != length { scratch = [Float](repeating: 0, count: length) }
        scratch.withUnsafeMutableBufferPointer { s in
            s.baseAddress!.update(from: x.baseAddress!, count: x.count)
            if x.count < length { (s.baseAddress! + x.count).initialize(repeating: 0, count: length - x.count) }
            output.baseAddress!.withMemoryRebound(to: fftwf_complex.self, capacity: length / 2 + 1) { out in
                fftwf_execute_dft_r2c(plan, s.baseAddress!, out)
            }
        }
    }
}
