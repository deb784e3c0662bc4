import Foundation
import ArgumentParser
import PPGCompute

/// Entry point: sets up the process for ppgscope's computation (BLAS loaded single-threaded with
/// the kernels this CPU supports, the second-core worker, buffers kept in the heap), then runs
/// the command line. BLAS loads on another thread while the arguments are parsed (its dlopen
/// takes 2–5 ms); a command runs once it has loaded, and a missing BLAS still stops every command
/// that parsed with a message and exit status 1.
@main
enum Launcher {
    static func main() {
        let configuring = ComputeRuntime.configureProcessInBackground()
        let command: ParsableCommand
        do {
            command = try PPGScope.parseAsRoot()
        } catch {
            try? configuring.wait()   // not exiting under a library that is still loading
            PPGScope.exit(withError: error)
        }
        do {
            try configuring.wait()
        } catch {
            FileHandle.standardError.write(Data("ppgscope: \(error)\n".utf8))
            exit(1)
        }
        do {
            var command = command
            try command.run()
        } catch {
            PPGScope.exit(withError: error)
        }
    }
}
