import CThreadIndex
import Synchronization

/// The I/O counters of one block device, kept in one shard per thread that completes its I/O (in the target,
/// per event loop): each shard is written only by its own thread, with relaxed loads and stores and no
/// read-modify-write, so counting takes no lock, no atomic add and no cache line another loop writes.
///
/// A thread finds its shard by its ``CThreadIndex`` index, a thread-local small integer it gets on its first
/// I/O: one thread-local load, no lock and no dictionary per I/O, and no parameter threaded through the
/// connection and SCSI layers. Shards live in chunks of ``shardsPerChunk``, allocated when a thread of the
/// chunk's index range first counts I/O on the device.
///
/// Readers on other threads (RPCs) sum the shards with relaxed loads: each counter is exact, though not all
/// counters are read at one instant. Resets cannot store into shards their threads write, so they bump a
/// generation instead: a shard that has not seen the latest reset reads as reset, and its thread clears it
/// before counting its next I/O.
final class BlockIOStatisticsShards: @unchecked Sendable {
    // @unchecked: `chunks` and the chunks it points to are raw memory owned by this object, reached only through
    // atomics and freed in deinit.

    /// The counters of one kind of I/O, by the index of its first word in a shard.
    enum Kind: Int {
        case read = 1
        case write = 6
        case unmap = 11
    }

    /// Words per shard: the generation the shard has caught up with (0 for a shard never written), then for each
    /// kind its operations, bytes, latency sum, maximum latency and minimum latency (`UInt64.max` for none).
    /// 16 words are two cache lines, and chunks are aligned to them.
    static let wordsPerShard = 16
    static let shardsPerChunk = 8
    static let chunkCount = Int(CTHREADINDEX_CAPACITY) / shardsPerChunk
    private static let chunkAlignment = 128
    private static let kinds: [Kind] = [.read, .write, .unmap]

    private typealias Word = Atomic<UInt64>
    private typealias Chunk = UnsafeMutablePointer<Word>

    /// The chunks by chunk number, nil until first used.
    private let chunks: UnsafeMutablePointer<Atomic<Chunk?>>
    /// Bumped by every reset; shards count from the generation they have seen.
    private let generation = Atomic<UInt64>(1)
    /// The generation of the latest reset of every counter.
    private let allResetGeneration = Atomic<UInt64>(0)
    /// The generation of the latest reset of the maximum and minimum latencies.
    private let extremesResetGeneration = Atomic<UInt64>(0)
    /// Serializes resets (readers and writers never take it).
    private let resetLock = Mutex(())

    init() {
        self.chunks = .allocate(capacity: Self.chunkCount)
        for index in 0..<Self.chunkCount {
            (self.chunks + index).initialize(to: Atomic(nil))
        }
    }

    deinit {
        for index in 0..<Self.chunkCount {
            if let chunk = self.chunks[index].load(ordering: .acquiring) {
                Self.free(chunk)
            }
        }
        self.chunks.deinitialize(count: Self.chunkCount)
        self.chunks.deallocate()
    }

    /// Counts one I/O of `kind` in the calling thread's shard.
    func record(_ kind: Kind, bytes: UInt64, latency: UInt64) {
        let shard = self.currentShard()
        let generation = self.generation.load(ordering: .acquiring)
        if shard[0].load(ordering: .relaxed) != generation {
            self.catchUp(shard, with: generation)
        }
        let base = kind.rawValue
        Self.add(1, to: shard[base])
        Self.add(bytes, to: shard[base + 1])
        Self.add(latency, to: shard[base + 2])
        if latency > shard[base + 3].load(ordering: .relaxed) {
            shard[base + 3].store(latency, ordering: .relaxed)
        }
        if latency < shard[base + 4].load(ordering: .relaxed) {
            shard[base + 4].store(latency, ordering: .relaxed)
        }
    }

    /// The counters of every shard that has counted I/O, by thread index, as of the latest reset.
    func snapshots() -> [(threadIndex: Int, statistics: BlockIOAccounting.Statistics)] {
        let allReset = self.allResetGeneration.load(ordering: .acquiring)
        let extremesReset = self.extremesResetGeneration.load(ordering: .acquiring)
        var result: [(threadIndex: Int, statistics: BlockIOAccounting.Statistics)] = []
        for chunkIndex in 0..<Self.chunkCount {
            guard let chunk = self.chunks[chunkIndex].load(ordering: .acquiring) else { continue }
            for slot in 0..<Self.shardsPerChunk {
                let shard = chunk + slot * Self.wordsPerShard
                let seen = shard[0].load(ordering: .relaxed)
                guard seen != 0 else { continue }
                var kinds = Self.kinds.map { Self.read($0, of: shard) }
                if seen < allReset {
                    kinds = kinds.map { _ in .zero }
                } else if seen < extremesReset {
                    kinds = kinds.map { $0.withoutExtremes }
                }
                let statistics = BlockIOAccounting.Statistics(read: kinds[0], write: kinds[1], unmap: kinds[2])
                result.append((chunkIndex * Self.shardsPerChunk + slot, statistics))
            }
        }
        return result
    }

    /// Resets every counter, or only the maximum and minimum latencies, of every shard.
    func reset(onlyExtremes: Bool) {
        self.resetLock.withLock { _ in
            let next = self.generation.load(ordering: .relaxed) + 1
            if onlyExtremes {
                self.extremesResetGeneration.store(next, ordering: .releasing)
            } else {
                self.allResetGeneration.store(next, ordering: .releasing)
            }
            self.generation.store(next, ordering: .releasing)
        }
    }

    /// The calling thread's shard, its chunk allocated on first use.
    private func currentShard() -> Chunk {
        let index = Int(cthreadindex_current())
        let chunkIndex = index / Self.shardsPerChunk
        let chunk = self.chunks[chunkIndex].load(ordering: .acquiring) ?? self.makeChunk(at: chunkIndex)
        return chunk + (index % Self.shardsPerChunk) * Self.wordsPerShard
    }

    /// Applies the resets made since `shard` last counted, then marks it caught up with `generation`.
    private func catchUp(_ shard: Chunk, with generation: UInt64) {
        let seen = shard[0].load(ordering: .relaxed)
        let onlyExtremes = seen >= self.allResetGeneration.load(ordering: .acquiring)
        if !onlyExtremes || seen < self.extremesResetGeneration.load(ordering: .acquiring) {
            Self.clear(shard, onlyExtremes: onlyExtremes)
        }
        shard[0].store(generation, ordering: .relaxed)
    }

    private func makeChunk(at chunkIndex: Int) -> Chunk {
        let wordCount = Self.shardsPerChunk * Self.wordsPerShard
        let chunk = UnsafeMutableRawPointer.allocate(
            byteCount: wordCount * MemoryLayout<Word>.stride,
            alignment: Self.chunkAlignment
        ).bindMemory(to: Word.self, capacity: wordCount)
        for index in 0..<wordCount {
            (chunk + index).initialize(to: Atomic(0))
        }
        for slot in 0..<Self.shardsPerChunk {
            Self.clear(chunk + slot * Self.wordsPerShard, onlyExtremes: false)
        }
        let (exchanged, winner) = self.chunks[chunkIndex].compareExchange(
            expected: nil,
            desired: chunk,
            ordering: .acquiringAndReleasing
        )
        guard exchanged, winner == nil else {
            Self.free(chunk)
            return winner ?? chunk
        }
        return chunk
    }

    private static func free(_ chunk: Chunk) {
        chunk.deinitialize(count: Self.shardsPerChunk * Self.wordsPerShard)
        UnsafeMutableRawPointer(chunk).deallocate()
    }

    /// Zeroes the counters of `shard` (or only its extremes); its generation stays.
    private static func clear(_ shard: Chunk, onlyExtremes: Bool) {
        for kind in Self.kinds {
            let base = kind.rawValue
            if !onlyExtremes {
                for offset in 0..<3 {
                    shard[base + offset].store(0, ordering: .relaxed)
                }
            }
            shard[base + 3].store(0, ordering: .relaxed)
            shard[base + 4].store(.max, ordering: .relaxed)
        }
    }

    private static func read(_ kind: Kind, of shard: Chunk) -> BlockIOAccounting.KindStatistics {
        let base = kind.rawValue
        let minimum = shard[base + 4].load(ordering: .relaxed)
        return BlockIOAccounting.KindStatistics(
            operations: shard[base].load(ordering: .relaxed),
            bytes: shard[base + 1].load(ordering: .relaxed),
            latencyTicks: shard[base + 2].load(ordering: .relaxed),
            maximumLatencyTicks: shard[base + 3].load(ordering: .relaxed),
            minimumLatencyTicks: minimum == .max ? 0 : minimum
        )
    }

    /// Adds to a word only this thread writes: a load and a store, no read-modify-write instruction.
    private static func add(_ value: UInt64, to word: borrowing Word) {
        word.store(word.load(ordering: .relaxed) &+ value, ordering: .relaxed)
    }
}
