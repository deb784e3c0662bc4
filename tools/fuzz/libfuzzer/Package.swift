// swift-tools-version: 6.0
// In-process libFuzzer harnesses (with AddressSanitizer) for the parsers ppgscope wrote itself:
// the recording CSV parser and the Keras model_config JSON parser with the graph builder.
// A package of its own, so that the main package's builds never compile these. `run` builds it
// with every module instrumented (-sanitize=fuzzer,address) and runs each harness:
//   tools/fuzz/libfuzzer/run [seconds per harness]
import PackageDescription

let package = Package(
    name: "ppgscope-libfuzzer",
    dependencies: [.package(name: "ppgscope", path: "../../..")],
    targets: [
        .target(name: "FuzzDriver"),
        .executableTarget(name: "FuzzCSV", dependencies: ["FuzzDriver", .product(name: "PPGScope", package: "ppgscope")]),
        .executableTarget(name: "FuzzModelConfig", dependencies: ["FuzzDriver", .product(name: "PPGScope", package: "ppgscope")]),
    ]
)
