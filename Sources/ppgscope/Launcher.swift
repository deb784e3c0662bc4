import Foundation
import PPGCompute

/// Entry point: sets up the process for ppgscope's computation (BLAS loaded single-threaded with
/// the kernels this CPU supports, the second-core worker, buffers kept in the heap), then runs
/// the command line.
@main
enum Launcher {
    static func main() {
        do {
            try ComputeRuntime.configureProcess()
        } catch {
            FileHandle.standardError.write(Data("ppgscope: \(error)\n".utf8))
            exit(1)
        }
        PPGScope.main()
    }
}
