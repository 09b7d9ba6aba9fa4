import Foundation
import VADPipeline

/// The model `vadprep predict` runs when none is named: a small causal LSTM
/// trained by `Pipelines/vad-benchmark.sh` (the README gives its scores and
/// the command that retrains it), shipped as a resource of this module.
///
/// SwiftPM copies the resource into `vadprep_VADInference.resources/` beside
/// the executable. It is looked up there, and not through `Bundle.module`,
/// whose accessor stops the program when the folder is missing (a binary
/// copied away from its build directory): here that is an error that says
/// how to name a model instead.
public enum BundledModel {
    /// The folder SwiftPM makes for this module's resources.
    static let resources = "vadprep_VADInference.resources"

    /// The path of the bundled model file.
    public static func path() throws(PipelineError) -> String {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        let candidates = [Bundle.main.bundleURL, executable].map {
            $0.appendingPathComponent(resources).appendingPathComponent("BundledModel/model.safetensors").path
        }
        guard let found = candidates.first(where: FileManager.default.isReadableFile(atPath:)) else {
            throw PipelineError("the bundled model is not installed beside this vadprep (looked for \(candidates[0])); "
                                + "name a model with --model RUN, or copy the \(resources) folder of the build beside the executable")
        }
        return found
    }
}
