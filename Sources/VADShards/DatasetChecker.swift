/// The one judge of whether a dataset can be read: every reader (verify,
/// segment, train, eval, inspect, merge) asks it before using anything.
///
/// A dataset is untrusted input. Its SHA-256s detect damage, not tampering:
/// anyone can edit an index or a shard and recompute every hash. So the
/// index is checked against itself (`problems(in:path:)`), each shard's
/// header against the index (`checkStructure`), and, where the values are
/// used as numbers, the values themselves (`checkValues`). After the first
/// two, every offset and size a reader derives from the index is inside the
/// mapped tensors and every product of sizes fits in `Int`.
public enum DatasetChecker {
    /// Every way `index` disagrees with itself (empty when it is consistent),
    /// each naming `path` and, where one is at fault, the utterance or shard.
    public static func problems(in index: DatasetIndex, path: String) -> [ShardError] {
        var problems: [ShardError] = []
        func problem(_ message: String) { problems.append(ShardError(path, message)) }

        let dimension = index.featureDim
        switch (index.kind, index.segments) {
        case ("features", nil), ("segments", _?): break
        case ("features", _?): problem("a features dataset must not have segment information")
        case ("segments", nil): problem("a segments dataset has no segment information")
        default: problem("kind \"\(index.kind)\" is neither \"features\" nor \"segments\"")
        }
        if dimension <= 0 { problem("feature dimension \(dimension) is not positive") }
        let statistics = index.statistics
        if index.featureNames.count != dimension || statistics.sum.count != dimension || statistics.sumOfSquares.count != dimension
            || statistics.mean.count != dimension || statistics.std.count != dimension {
            problem("feature dimension \(dimension) does not match the statistics or feature names")
        }
        if !(statistics.mean + statistics.std + statistics.sum + statistics.sumOfSquares).allSatisfy(\.isFinite) {
            problem("statistics hold a value that is not finite")
        }
        if !(0 <= statistics.speechFrames && statistics.speechFrames <= statistics.labelledFrames
             && statistics.labelledFrames <= statistics.frames) {
            problem("statistics count \(statistics.frames) frames, \(statistics.labelledFrames) labelled and \(statistics.speechFrames) speech, which cannot be")
        }
        if index.sampleRate <= 0 { problem("sample rate \(index.sampleRate) is not positive") }
        if !(index.frameShiftSeconds.isFinite && index.frameShiftSeconds > 0) { problem("frame shift \(index.frameShiftSeconds) s is not positive") }
        if let raw = index.rawFrames, !(raw.length > 0 && raw.hop > 0 && raw.first >= 0 && raw.leftPadding >= 0) {
            problem("raw frame layout (length \(raw.length), hop \(raw.hop), first \(raw.first), padding \(raw.leftPadding)) is not possible")
        }

        // Fixed-length segments: every row's size, and its raw span, fit in Int.
        var fixedFrames: Int?
        var rawRowSamples = 0
        if let segments = index.segments {
            if !["fixed", "random", "whole"].contains(segments.mode) { problem("segment mode \"\(segments.mode)\" is unknown") }
            if segments.epochs < 1 { problem("segments record \(segments.epochs) epochs") }
            if segments.dropped < 0 || segments.speechFrames < 0 || segments.nonSpeechFrames < 0 || segments.paddedFrames < 0 {
                problem("segment counts are negative")
            }
            switch segments.layout {
            case "fixed":
                if let frames = segments.frames, frames > 0, product(frames, max(dimension, 1)) != nil {
                    fixedFrames = frames
                    if let raw = index.rawFrames, raw.length > 0, raw.hop > 0 {
                        if let span = product(frames - 1, raw.hop), case let (samples, false) = span.addingReportingOverflow(raw.length) {
                            rawRowSamples = samples
                        } else {
                            problem("raw frames of \(frames)-frame segments span more samples than fit in memory")
                        }
                    }
                } else {
                    problem("fixed-length segments need a positive frame count, not \(segments.frames.map(String.init) ?? "none")")
                }
            case "offsets": break
            default: problem("segment layout \"\(segments.layout)\" is neither \"fixed\" nor \"offsets\"")
            }
        }

        var names: [String: Int] = [:]
        for (number, shard) in index.shards.enumerated() {
            if let why = ShardRecord.problem(withFileName: shard.file) {
                problem("shard \(number) is named \"\(shard.file)\", \(why)")
            }
            if let other = names[shard.file] { problem("shard \(shard.file) is listed twice (shards \(other) and \(number))") }
            names[shard.file] = number
            if shard.bytes < 0 || shard.utterances < 0 || shard.frames < 0 {
                problem("shard \(shard.file) is recorded with a negative size or count")
            }
            if let dtype = shard.waveformDtype {
                if index.rawFrames == nil {
                    problem("shard \(shard.file) records a waveform type, but the dataset has no raw frames")
                } else if dtype == DType.i16.rawValue {
                    if index.formatVersion < 2 || index.kind != "features" {
                        problem("shard \(shard.file) records an int16 waveform, which only features datasets of format version 2 or later store")
                    }
                } else if dtype != DType.f32.rawValue {
                    problem("shard \(shard.file) records waveform type \(jsonString(dtype)), expected \"I16\" or \"F32\"")
                }
            }
            if shard.sha256.utf8.count != 64 || !shard.sha256.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) {
                problem("shard \(shard.file) has no valid SHA-256 (64 lowercase hex digits)")
            }
        }

        var rows = Array(repeating: 0, count: index.shards.count)
        var frames = Array(repeating: 0, count: index.shards.count)
        var total = 0, overflow = false
        for utterance in index.utterances {
            let id = utterance.id
            guard index.shards.indices.contains(utterance.shard) else {
                problem("utterance \(id) names shard \(utterance.shard), which does not exist")
                continue
            }
            if utterance.row != rows[utterance.shard] {
                problem("utterance \(id) is row \(utterance.row) of shard \(utterance.shard), expected row \(rows[utterance.shard])")
            }
            if utterance.frames < 0 { problem("utterance \(id) (row \(utterance.row)) has \(utterance.frames) frames") }
            if let fixedFrames, utterance.frames > fixedFrames {
                problem("utterance \(id) (row \(utterance.row)) has \(utterance.frames) real frames in a segment of \(fixedFrames)")
            }
            if (utterance.startFrame ?? 0) < 0 || (utterance.paddedFrames ?? 0) < 0 {
                problem("utterance \(id) (row \(utterance.row)) has a negative start or padding")
            }
            if let segments = index.segments {
                if utterance.startFrame == nil { problem("segment \(id) (row \(utterance.row)) has no start frame") }
                if let epoch = utterance.epoch, !(0..<max(segments.epochs, 1)).contains(epoch) {
                    problem("segment \(id) (row \(utterance.row)) is of epoch \(epoch), of \(segments.epochs) stored")
                }
            }
            rows[utterance.shard] += 1
            let (shardSum, o1) = frames[utterance.shard].addingReportingOverflow(max(utterance.frames, 0))
            let (sum, o2) = total.addingReportingOverflow(max(utterance.frames, 0))
            frames[utterance.shard] = shardSum
            total = sum
            overflow = overflow || o1 || o2
        }
        if overflow {
            problem("the utterances' frames add up to more than fits in memory")
            return problems
        }
        for (number, shard) in index.shards.enumerated() {
            if shard.utterances != rows[number] || shard.frames != frames[number] {
                problem("shard \(shard.file) is recorded with \(shard.utterances) utterances and \(shard.frames) frames, but its utterances add up to \(rows[number]) and \(frames[number])")
            }
            // Every tensor the index implies fits in Int (and so in a file).
            let sizes: [Int?]
            if let fixedFrames {
                sizes = [product(rows[number], fixedFrames, max(dimension, 1), 4), product(rows[number], rawRowSamples, 4)]
            } else {
                sizes = [product(frames[number], max(dimension, 1), 4), product(rows[number] + 1, 8)]
            }
            if sizes.contains(where: { $0 == nil }) { problem("shard \(shard.file) holds more data than fits in memory") }
        }
        if index.segments == nil && statistics.frames != total {
            problem("statistics count \(statistics.frames) frames, utterances \(total)")
        }
        return problems
    }

    /// Throws the first of `problems(in:path:)`.
    public static func check(_ index: DatasetIndex, path: String) throws(ShardError) {
        if let first = problems(in: index, path: path).first { throw first }
    }

    /// The utterance records of each shard, in row order (of a checked index).
    public static func members(of index: DatasetIndex) -> [[UtteranceRecord]] {
        var members = Array(repeating: [UtteranceRecord](), count: index.shards.count)
        for utterance in index.utterances where members.indices.contains(utterance.shard) {
            members[utterance.shard].append(utterance)
        }
        return members
    }

    /// Checks a shard's header against the index's account of it: the
    /// utterance list, every tensor's dtype and shape, the offsets and start
    /// frames. `members` are the shard's records (see `members(of:)`) of an
    /// index that passed `check`.
    /// `shard` is the index's record of the shard, whose waveform type the
    /// header must have.
    public static func checkStructure(of reader: ShardReader, shard: ShardRecord, members: [UtteranceRecord],
                                      index: DatasetIndex) throws(ShardError) {
        let path = reader.path
        guard let ids = ShardMetadata.utteranceIDs(reader.header.metadata) else {
            throw ShardError(path, "header has no utterance list (__metadata__.utterances)")
        }
        if ids.count != members.count {
            throw ShardError(path, "header lists \(ids.count) utterances, the index \(members.count)")
        }
        for (row, (id, member)) in zip(ids, members).enumerated() where id != member.id {
            throw ShardError(path, "row \(row) is utterance \(id) in the header, \(member.id) in the index")
        }
        let dimension = index.featureDim, rows = members.count
        func expect(_ name: String, _ dtype: DType, _ shape: [Int]) throws(ShardError) {
            let info = try reader.info(name)
            guard info.dtype == dtype, info.shape == shape else {
                throw ShardError(path, "tensor \"\(name)\" is \(info.dtype.rawValue) \(info.shape), expected \(dtype.rawValue) \(shape)")
            }
        }
        func expectStartFrames() throws(ShardError) {
            try expect(ShardMetadata.startFrame, .i64, [rows])
            let starts = try reader.int64s(ShardMetadata.startFrame)
            for (row, member) in members.enumerated() where starts[row] != Int64(member.startFrame ?? -1) {
                throw ShardError(path, "start_frame of row \(row) (utterance \(member.id)) is \(starts[row]), the index records \(member.startFrame ?? -1)")
            }
        }

        if let segments = index.segments, segments.isFixedLength, let length = segments.frames {
            try expect(ShardMetadata.features, .f32, [rows, length, dimension])
            try expect(ShardMetadata.labels, .u8, [rows, length])
            if segments.masked {
                try expect(ShardMetadata.mask, .u8, [rows, length])
            } else if reader.header.tensors[ShardMetadata.mask] != nil {
                throw ShardError(path, "has a mask, but the index records no padding")
            }
            try expectStartFrames()
            if let raw = index.rawFrames {
                try expect(ShardMetadata.waveform, .f32, [rows, (length - 1) * raw.hop + raw.length])
            }
            return
        }

        try expect(ShardMetadata.utteranceOffsets, .i64, [rows + 1])
        let offsets = try reader.int64s(ShardMetadata.utteranceOffsets)
        var expected: Int64 = 0
        if offsets[0] != 0 { throw ShardError(path, "utterance_offsets[0] is \(offsets[0]), expected 0") }
        for (row, member) in members.enumerated() {
            expected += Int64(member.frames)  // the index's sums fit in Int (checked)
            guard offsets[row + 1] == expected else {
                throw ShardError(path, "utterance_offsets[\(row + 1)] is \(offsets[row + 1]): utterance \(member.id) (row \(row)) has \(member.frames) frames in the index, so expected \(expected)")
            }
        }
        let frames = Int(expected)
        try expect(ShardMetadata.features, .f32, [frames, dimension])
        try expect(ShardMetadata.labels, .u8, [frames])
        if index.segments != nil { try expectStartFrames() }
        if index.rawFrames != nil {
            try expect(ShardMetadata.waveformOffsets, .i64, [rows + 1])
            let samples = try reader.info(ShardMetadata.waveform)
            let dtype = shard.waveformType
            guard samples.dtype == dtype, samples.shape.count == 1 else {
                throw ShardError(path, "tensor \"waveform\" is \(samples.dtype.rawValue) \(samples.shape), expected \(dtype.rawValue) [samples]")
            }
            let sampleOffsets = try reader.int64s(ShardMetadata.waveformOffsets)
            if sampleOffsets[0] != 0 { throw ShardError(path, "waveform_offsets[0] is \(sampleOffsets[0]), expected 0") }
            for (row, member) in members.enumerated() where sampleOffsets[row + 1] < sampleOffsets[row] {
                throw ShardError(path, "waveform_offsets of row \(row) (utterance \(member.id)) decrease, from \(sampleOffsets[row]) to \(sampleOffsets[row + 1])")
            }
            guard sampleOffsets[rows] == Int64(samples.elementCount) else {
                throw ShardError(path, "waveform_offsets end at \(sampleOffsets[rows]), the waveform holds \(samples.elementCount) samples")
            }
        }
    }

    /// Checks the values of a shard that passed `checkStructure`: every
    /// feature finite, every label 0, 1 or 255, every mask value 0 or 1 and
    /// each row's mask marking as many real frames as the index records. One
    /// pass over the mapped tensors, no copies.
    public static func checkValues(of reader: ShardReader, members: [UtteranceRecord], index: DatasetIndex) throws(ShardError) {
        let path = reader.path, dimension = index.featureDim
        let features = try reader.floats(ShardMetadata.features)
        let labels = try reader.bytes(ShardMetadata.labels)
        let fixed = index.segments?.isFixedLength == true ? index.segments?.frames : nil
        let mask = fixed != nil && index.segments?.masked == true ? try reader.bytes(ShardMetadata.mask) : nil
        let offsets = fixed == nil ? try reader.int64s(ShardMetadata.utteranceOffsets) : nil
        for (row, member) in members.enumerated() {
            let first: Int, count: Int
            if let fixed {
                (first, count) = (row * fixed, fixed)
            } else if let offsets {
                (first, count) = (Int(offsets[row]), Int(offsets[row + 1] - offsets[row]))
            } else {
                continue
            }
            let values = UnsafeBufferPointer(rebasing: features[(first * dimension)..<((first + count) * dimension)])
            if !allFinite(values), let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw ShardError(path, "utterance \(member.id) (row \(row)): feature \(bad % dimension) of frame \(bad / dimension) is \(values[bad]), not a finite number")
            }
            let rowLabels = UnsafeBufferPointer(rebasing: labels[first..<(first + count)])
            if !allLabels(rowLabels), let t = rowLabels.firstIndex(where: { $0 &+ 1 > 2 }) {
                throw ShardError(path, "utterance \(member.id) (row \(row)): label of frame \(t) is \(rowLabels[t]), expected 0, 1 or 255")
            }
            if let mask {
                var real = 0
                for t in 0..<count {
                    let value = mask[first + t]
                    guard value <= 1 else {
                        throw ShardError(path, "utterance \(member.id) (row \(row)): mask of frame \(t) is \(value), expected 0 or 1")
                    }
                    real += Int(value)
                }
                guard real == member.frames else {
                    throw ShardError(path, "utterance \(member.id) (row \(row)): mask marks \(real) real frames, the index \(member.frames)")
                }
            }
        }
    }

    /// Whether every value is finite: a branch-free pass over the bits (a
    /// float is NaN or infinite when its exponent bits are all ones), which
    /// the compiler vectorises; the slow search for the culprit runs only
    /// when this fails.
    private static func allFinite(_ values: UnsafeBufferPointer<Float>) -> Bool {
        let exponent: UInt32 = 0x7F80_0000
        var bad: UInt32 = 0
        for value in values { bad |= (value.bitPattern & exponent) == exponent ? 1 : 0 }
        return bad == 0
    }

    /// Whether every label is 0, 1 or 255 (exactly the values for which
    /// `label &+ 1` is at most 2), branch-free.
    private static func allLabels(_ labels: UnsafeBufferPointer<UInt8>) -> Bool {
        var worst: UInt8 = 0
        for label in labels { worst = max(worst, label &+ 1) }
        return worst <= 2
    }

    /// The product of `factors`, or nil if it overflows `Int`.
    private static func product(_ factors: Int...) -> Int? {
        var result = 1
        for factor in factors {
            guard factor >= 0 else { return nil }
            let (next, overflow) = result.multipliedReportingOverflow(by: factor)
            if overflow { return nil }
            result = next
        }
        return result
    }
}
