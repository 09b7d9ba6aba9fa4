import Foundation
import VADShards

/// The rules every stage follows for its `--out` directory.
enum OutputDirectory {
    /// Makes `output` ready: created if missing; an empty directory is fine; a
    /// non-empty one is replaced only with `force` and only if it holds nothing
    /// but a vadprep dataset (or, for a split, `train/` and `valid/` datasets):
    /// never an unrelated directory. Returns whether `output` did not exist
    /// before, so that a stage that ends up writing nothing can remove it.
    @discardableResult
    static func prepare(_ output: String, force: Bool, ownedSubdirectories: Set<String> = [], resumable: Bool = false) throws -> Bool {
        let existed = FileSystem.exists(output)
        if FileSystem.exists(output) && !FileSystem.isDirectory(output) {
            throw PipelineError("\(output): exists and is not a directory")
        }
        if !isEmpty(output) {
            guard force else {
                let how = resumable ? "use --resume to continue an unfinished dataset in it, or --force to replace it"
                                    : "use --force to replace the dataset in it"
                throw PipelineError("\(output): output directory is not empty; \(how)")
            }
            guard holdsOnlyDatasets(output, subdirectories: ownedSubdirectories) else {
                throw PipelineError("\(output): holds files that are not part of a vadprep dataset; refusing to replace it")
            }
            try? FileManager.default.removeItem(atPath: output)
        }
        do { try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true) } catch {
            // The system's own reason (Foundation's message does not name it): retry the last step.
            let reason = mkdir(output, 0o755) == 0 ? "\(error.localizedDescription)" : String(cString: strerror(errno))
            throw PipelineError("\(output): cannot create the output directory: \(reason)")
        }
        guard access(output, W_OK) == 0 else {
            throw PipelineError("\(output): cannot write to the output directory: \(String(cString: strerror(errno)))")
        }
        return !existed
    }

    private static func isEmpty(_ directory: String) -> Bool {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).isEmpty
    }

    /// Whether every entry of `directory` is a dataset file (the index, shards,
    /// their temporary names) or one of `subdirectories` holding only those.
    private static func holdsOnlyDatasets(_ directory: String, subdirectories: Set<String>) -> Bool {
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return contents.allSatisfy { name in
            if subdirectories.contains(name) { return holdsOnlyDatasets("\(directory)/\(name)", subdirectories: []) }
            return !FileSystem.isDirectory("\(directory)/\(name)")
                && (name == DatasetIndex.fileName || name.hasPrefix("shard-") || name.hasPrefix(".shard-") || name.hasPrefix(".index.json")
                    || name == ExtractTimings.fileName || name.hasPrefix(".\(ExtractTimings.fileName)")
                    || name.hasPrefix(".journal.jsonl"))
        }
    }
}
