import CCBLAS
import Foundation

/// Entry point: makes sure OpenBLAS uses fast kernels, then runs the command line.
@main
enum Launcher {
    static func main() {
        FastBLAS.ensure()
        // Stop a pthread OpenBLAS's idle pool now rather than at the first BLAS call: it spins on
        // the second core while files load.
        ppgscope_single_threaded_blas()
        PPGScope.main()
    }
}

/// OpenBLAS 0.3.21 does not recognise recent Intel CPUs (e.g. family 6 model 207) and falls back to
/// its Prescott (SSE3) kernels, about 3.5× slower. It reads `OPENBLAS_CORETYPE` only when the
/// library loads, so when the variable is unset and the fallback was chosen on a CPU with AVX-512
/// or AVX2, set it and re-execute this process once. Users need not set anything by hand.
enum FastBLAS {
    static func ensure() {
        // getenv rather than ProcessInfo: building the environment dictionary costs ~0.6 ms of start-up.
        guard getenv("OPENBLAS_CORETYPE") == nil, getenv("PPGSCOPE_BLAS_REEXEC") == nil,
              let name = openblas_get_corename().map({ String(cString: $0) }),
              name.lowercased() == "prescott" || name.lowercased() == "core2" || name.lowercased() == "unknown",
              let flags = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        else { return }
        let core: String
        if flags.contains(" avx512f") && flags.contains(" avx512bw") { core = "SkylakeX" }
        else if flags.contains(" avx2") { core = "Haswell" }
        else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        setenv("PPGSCOPE_BLAS_REEXEC", "1", 1)
        var argv: [UnsafeMutablePointer<CChar>?] = CommandLine.arguments.map { strdup($0) }
        argv.append(nil)
        execv("/proc/self/exe", &argv)
        // execv returned: keep running with the slow kernels rather than fail.
    }
}
