// swift-tools-version:6.0
//
// vadprep: audio corpus -> Kaldi-compatible features, aligned frame labels and
// checksummed shards for voice activity detection.
//
// The target graph is the architecture: data flows one way, from the C libraries
// at the bottom, through one thin Swift wrapper per library, to the library that
// owns the pipeline, to the command-line tool on top.

import PackageDescription

let package = Package(
    name: "vadprep",
    products: [
        .executable(name: "vadprep", targets: ["vadprep"]),
        .library(name: "VADPipeline", targets: ["VADPipeline"]),
        .library(name: "VADShards", targets: ["VADShards"]),
        .library(name: "VADNetwork", targets: ["VADNetwork"]),
        .library(name: "VADInference", targets: ["VADInference"]),
        .library(name: "VADTrain", targets: ["VADTrain"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // MARK: - C libraries (Debian -dev packages, found by pkg-config)
        .systemLibrary(name: "CSndFile", pkgConfig: "sndfile",
                       providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "CFFTW", pkgConfig: "fftw3f",
                       providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "CSoxr", pkgConfig: "soxr",
                       providers: [.apt(["libsoxr-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        // OpenBLAS: headers only; Sources/BLAS opens the library at first use.
        .systemLibrary(name: "COpenBLAS", providers: [.apt(["libopenblas-dev"])]),

        // MARK: - Our C, for instructions Swift cannot emit on the x86-64 baseline:
        // SHA-256 with the SHA extensions, LSTM cell steps with AVX2 and FMA
        // (each used only where the processor has them)
        .target(name: "CSHA256"),
        .target(name: "CLSTMKernels"),

        // MARK: - Wrappers: the only Swift files that call each C library
        .target(name: "SoundFile", dependencies: ["CSndFile"]),
        .target(name: "FFT", dependencies: ["CFFTW"]),
        .target(name: "Resample", dependencies: ["CSoxr"]),
        .target(name: "BLAS", dependencies: ["COpenBLAS"]),
        .target(name: "Gzip", dependencies: ["CZlib"]),

        // MARK: - The dataset format (safetensors shards + index); no C, no audio
        .target(name: "VADShards", dependencies: ["CSHA256"]),

        // MARK: - Checks of user-given numbers, shared by every stage (pure Swift)
        .target(name: "VADOptions"),

        // MARK: - The pipeline: audio -> frames -> features -> labels -> dataset
        .target(name: "VADPipeline",
                dependencies: ["SoundFile", "FFT", "Resample", "Gzip", "VADShards", "VADOptions"]),

        // MARK: - Models: the report's networks on OpenBLAS (forward and backward),
        // reading a model file, running a causal model frame by frame; no audio
        .target(name: "VADNetwork", dependencies: ["BLAS", "CLSTMKernels", "VADShards", "VADOptions"]),

        // MARK: - Inference, for an application to embed: extract's front end +
        // a model = speech probabilities and segments, offline or streaming;
        // with the bundled model (BundledModel/model.safetensors)
        .target(name: "VADInference", dependencies: ["VADNetwork", "VADPipeline", "VADShards"],
                resources: [.copy("BundledModel")]),

        // MARK: - Training: optimiser, losses, batches from a dataset, evaluation;
        // reads datasets, never audio (no VADPipeline, libsndfile, FFTW or soxr)
        .target(name: "VADTrain", dependencies: ["BLAS", "VADNetwork", "VADShards", "VADOptions"]),

        // MARK: - Command-line tool
        .executableTarget(name: "vadprep", dependencies: [
            "VADPipeline", "VADShards", "VADTrain", "VADInference",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // MARK: - Benchmarks (Pipelines/bench-train.sh)
        .executableTarget(name: "VADTrainBench", dependencies: ["VADTrain", "BLAS"]),

        // MARK: - Fuzzing (Pipelines/fuzz.sh builds it with -sanitize=fuzzer -DFUZZING)
        .executableTarget(name: "VADPrepFuzz", dependencies: ["VADPipeline", "VADShards", "VADTrain"]),

        // MARK: - Tests
        .target(name: "_VADTestSupport", dependencies: ["VADShards"], path: "Tests/_VADTestSupport"),
        .testTarget(name: "FFTTests", dependencies: ["FFT"]),
        .testTarget(name: "BLASTests", dependencies: ["BLAS"]),
        .testTarget(name: "VADShardsTests", dependencies: ["VADShards", "_VADTestSupport"]),
        .testTarget(name: "VADPipelineTests",
                    dependencies: ["VADPipeline", "SoundFile", "_VADTestSupport"]),
        .testTarget(name: "VADTrainTests", dependencies: ["VADTrain", "VADNetwork", "VADInference", "VADShards", "_VADTestSupport"]),
        .testTarget(name: "VADInferenceTests",
                    dependencies: ["VADInference", "VADPipeline", "SoundFile", "_VADTestSupport"]),
        .testTarget(name: "vadprepEndToEndTests",
                    dependencies: ["vadprep", "VADPrepFuzz", "VADInference", "VADShards", "_VADTestSupport"]),
    ]
)
