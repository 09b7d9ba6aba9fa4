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
            optionally raw-waveform frames; with `--part K/N` it extracts one part of the corpus, \
            and `merge` joins the parts into one dataset. `segment` cuts a dataset into training \
            segments; `train` fits one of the report's models to them, `eval` scores it and `predict` \
            marks speech in new recordings. `inspect` shows what a dataset holds; `verify` re-hashes it.
            """,
        version: VADPrepVersion.current,
        subcommands: [Extract.self, Merge.self, Segment.self, Train.self, Eval.self, Predict.self, Inspect.self, Verify.self, Export.self]
    )
}
