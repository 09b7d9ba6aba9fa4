import Foundation
import VADShards

/// The rules every stage follows for its `--out` directory.
enum OutputDirectory {
    /// Makes `output` ready: created if missing; an empty directory is fine; a
    /// non-empty one is replaced only with `force` and only if it holds nothing
    /// but a vadprep dataset (never an unrelated directory).
    static func prepare(_ output: String, force: Bool, ownedSubdirectories: Set<String> = []) throws {
        let manager = FileManager.default
        if FileSystem.exists(output) && !FileSystem.isDirectory(output) {
            throw ExtractError("\(output): exists and is not a directory")
        }
        if FileSystem.isDirectory(output) {
            let contents = (try? manager.contentsOfDirectory(atPath: output)) ?? []
            if !contents.isEmpty {
                guard force else {
                    throw ExtractError("\(output): output directory is not empty; use --force to replace the dataset in it")
                }
                let ours = contents.allSatisfy { name in
                    name == DatasetIndex.fileName || name.hasPrefix("shard-") || name.hasPrefix(".shard-")
                        || name.hasPrefix(".index.json") || ownedSubdirectories.contains(name)
                }
                guard ours else {
                    throw ExtractError("\(output): holds files that are not part of a vadprep dataset; refusing to replace it")
                }
                for name in contents {
                    if ownedSubdirectories.contains(name) { try prepare("\(output)/\(name)", force: true) ; try? manager.removeItem(atPath: "\(output)/\(name)") }
                    else { FileSystem.remove("\(output)/\(name)") }
                }
            }
        }
        do { try manager.createDirectory(atPath: output, withIntermediateDirectories: true) } catch {
            throw ExtractError("\(output): cannot create the output directory: \(FileSystem.openProblem(output) ?? "\(error.localizedDescription)")")
        }
        guard access(output, W_OK) == 0 else {
            throw ExtractError("\(output): cannot write to the output directory: \(String(cString: strerror(errno)))")
        }
    }
}
