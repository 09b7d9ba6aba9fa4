import ArgumentParser
import VADPipeline

@main
struct VADPrep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vadprep",
        abstract: "Turn a labelled audio corpus into training data for voice activity detection.",
        discussion: """
            Stages: `extract` reads a corpus directory (audio + label files) and writes a dataset \
            of checksummed safetensors shards: Kaldi-compatible MFCCs + deltas, frame labels, \
            optionally raw-waveform frames. `inspect` shows what a dataset holds; `verify` \
            re-hashes it.
            """,
        version: VADPrepVersion.current,
        subcommands: [Extract.self, Segment.self, Inspect.self, Verify.self]
    )
}
