// swift-tools-version: 6.0
// ppgscope: looks inside heart-rate CNNs the way a signal-processing engineer would.
//
// Floors, each importing only from below:
//   C libraries (CHDF5, CDeflate, CSndFile, CZip, CEDF, CFFTW3, CSampleRate) and ppgscope's own C (CKernels: the direct
//   conv kernel and the run-time CBLAS loader)
//   → PPGCompute: the one typed boundary to ppgscope's compute C (BLAS, conv kernel, threads,
//     explicit process set-up)
//   → pure computation: PPGSignals, PPGNetwork (on PPGCompute), PPGSpectral (owns FFTW)
//   → PPGFormats (files: the one HDF5 owner, Keras files, recordings, atomic outputs) beside
//     PPGAnalysis (windows, model runner, HR, inspection; owns libsamplerate) and PPGPaper (the
//     paper's experiments)
//   → PPGReports (tables, JSON, CSV, SVG, HTML; on PPGFormats, PPGAnalysis and PPGPaper)
//   → the `ppgscope` command (parse, call, print; imports no C module).
import PackageDescription

let package = Package(
    name: "ppgscope",
    products: [
        .executable(name: "ppgscope", targets: ["ppgscope"]),
        .library(name: "PPGScope", targets: ["PPGCompute", "PPGSignals", "PPGNetwork", "PPGSpectral", "PPGFormats", "PPGReports", "PPGAnalysis", "PPGPaper"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C system libraries; the HDF5 macros Swift cannot import are `static inline` wrappers in CHDF5/shim.h.
        .systemLibrary(name: "CHDF5", providers: [.apt(["libhdf5-dev"])]),
        // libsndfile's header only: the library is loaded when a command first reads or writes audio
        // (PPGFormats/SndFileLibrary.swift), which spares every other run ~0.85 ms of loading it and its codecs.
        .systemLibrary(name: "CSndFile", providers: [.apt(["libsndfile1-dev"])]),
        // libzip's header only, likewise: loaded when a zip archive (a Keras 3 `.keras` model) is
        // first read (PPGFormats/ZipLibrary.swift); linked, it and its libcrypto would load in every run.
        .systemLibrary(name: "CZip", providers: [.apt(["libzip-dev"])]),
        .systemLibrary(name: "CFFTW3", pkgConfig: "fftw3f", providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "CSampleRate", pkgConfig: "samplerate", providers: [.apt(["libsamplerate0-dev"])]),
        // libdeflate: deflated HDF5 chunks decompressed in one call, about 2.4× faster than HDF5's
        // zlib filter on a recording's channel (PPGFormats/HDF5File.swift); static archive, as EDFlib.
        .systemLibrary(name: "CDeflate", providers: [.apt(["libdeflate-dev"])]),
        // EDFlib: EDF, EDF+, BDF and BDF+ reading; linked from Debian's static archive (PPGFormats),
        // ~60 KB and no dependencies, so no run pays for loading another shared library.
        .systemLibrary(name: "CEDF", providers: [.apt(["libedf-dev"])]),

        // ppgscope's own C: direct Conv1D kernels for AVX-512F, chosen at run time, and the CBLAS
        // loaded at run time (dlopen) once OpenBLAS's core type is chosen.
        // Element-wise activations use glibc's vector math library (libmvec, part of libc6).
        .target(name: "CKernels", linkerSettings: [.linkedLibrary("dl"), .linkedLibrary("mvec")]),
        // The one typed boundary to ppgscope's compute C: BLAS, the conv kernel, the second-core
        // worker, the work counter and the explicit process set-up. No other Swift module imports
        // CKernels, and no public API outside this module takes a C pointer.
        .target(name: "PPGCompute", dependencies: ["CKernels"]),

        // Pure computation: no file I/O.
        .target(name: "PPGSignals"),
        .target(name: "PPGNetwork", dependencies: ["PPGCompute", "PPGSignals"]),
        .target(name: "PPGSpectral", dependencies: ["CFFTW3"]),

        // Files: HDF5 (one serialising owner), Keras weights, recordings in every format.
        // HDF5 is linked from Debian's static archive (libhdf5_serial.a, with its szip and zlib
        // filters): the shared library's dependency chain costs each run ~6 ms (CHDF5/shim.h).
        .target(name: "PPGFormats", dependencies: ["CHDF5", "CDeflate", "CSndFile", "CZip", "CEDF", "PPGSignals", "PPGNetwork"],
                linkerSettings: [.linkedLibrary(":libhdf5_serial.a"), .linkedLibrary(":libedf.a"), .linkedLibrary(":libdeflate.a"),
                                 .linkedLibrary("sz"), .linkedLibrary("z"),
                                 .linkedLibrary("m"), .linkedLibrary("dl")]),

        // Analysis: the HR pipeline, layer spectra and DC metrics, inspection, comparison, ablation.
        .target(name: "PPGAnalysis", dependencies: ["PPGSignals", "PPGNetwork", "PPGSpectral", "PPGCompute", "CSampleRate"]),
        // The paper's experiments: ReLU series, toy networks, small-CNN training (Sections III–V).
        .target(name: "PPGPaper", dependencies: ["PPGSignals", "PPGSpectral", "PPGNetwork", "PPGCompute"]),

        // Reports: text tables, JSON, CSV, SVG, HTML.
        .target(name: "PPGReports", dependencies: ["PPGSignals", "PPGNetwork", "PPGAnalysis", "PPGSpectral", "PPGFormats", "PPGPaper"]),

        // The command: parse, call the library, print. Start-up matters for short runs (`hr` on one
        // recording takes tens of ms), so `make release` links the Swift runtime and Foundation
        // statically (--static-swift-stdlib); BLAS is loaded at run time by PPGCompute (Debian's
        // single-threaded OpenBLAS first: no thread pool to start and stop).
        .executableTarget(
            name: "ppgscope",
            dependencies: [
                "PPGSignals", "PPGNetwork", "PPGSpectral", "PPGFormats", "PPGReports", "PPGAnalysis", "PPGPaper", "PPGCompute",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        .testTarget(name: "PPGComputeTests", dependencies: ["PPGCompute"]),
        .testTarget(name: "PPGSignalsTests", dependencies: ["PPGSignals"]),
        .testTarget(name: "PPGSpectralTests", dependencies: ["PPGSpectral"]),
        .testTarget(name: "PPGPaperTests", dependencies: ["PPGPaper", "PPGSpectral", "PPGCompute", "PPGNetwork"]),
        .testTarget(name: "PPGAnalysisTests", dependencies: ["PPGAnalysis", "PPGFormats", "PPGNetwork", "PPGSignals"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "PPGNetworkTests", dependencies: ["PPGNetwork", "PPGFormats", "PPGSignals", "PPGCompute"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "PPGFormatsTests", dependencies: ["PPGFormats", "PPGSignals"], exclude: ["Fixtures"]),
        .testTarget(name: "PPGScopeCLITests", dependencies: ["PPGFormats", "PPGSignals", "PPGNetwork"]),
        .testTarget(name: "PPGReportsTests", dependencies: ["PPGReports", "PPGAnalysis", "PPGFormats", "PPGSignals"]),
    ]
)
