import Synchronization

/// Which blocks of a thin-provisioned device are deallocated: one bit per block, updated atomically, so requests
/// from any event loop mark their own blocks without a lock.
///
/// A write clears the bits of its blocks (they become mapped) and an unmap sets them. A write to blocks that are
/// already mapped, the usual case, only loads the words: one relaxed load per 64 blocks.
///
/// `@unchecked Sendable`: the words are atomics reached through a pointer the bitmap alone owns.
final class DeallocationBitmap: @unchecked Sendable {
    /// The number of blocks tracked.
    let blockCount: UInt64
    private let words: UnsafeMutablePointer<Atomic<UInt64>>
    private let wordCount: Int

    /// A bitmap of `blockCount` blocks, all deallocated (a fresh thin device) or all mapped.
    init(blockCount: UInt64, allDeallocated: Bool) {
        self.blockCount = blockCount
        self.wordCount = Int((blockCount + 63) / 64)
        self.words = .allocate(capacity: max(1, self.wordCount))
        for index in 0..<self.wordCount {
            var word: UInt64 = allDeallocated ? ~0 : 0
            if allDeallocated, index == self.wordCount - 1, blockCount % 64 != 0 {
                word = (1 << (blockCount % 64)) - 1
            }
            (self.words + index).initialize(to: Atomic(word))
        }
    }

    deinit {
        self.words.deinitialize(count: self.wordCount)
        self.words.deallocate()
    }

    /// Marks `blocks` blocks at `lba` mapped; the range must lie within the bitmap.
    func markMapped(lba: UInt64, blocks: UInt64) {
        self.forEachWord(lba: lba, blocks: blocks) { word, mask in
            if word.load(ordering: .relaxed) & mask != 0 {
                word.bitwiseAnd(~mask, ordering: .relaxed)
            }
        }
    }

    /// Marks `blocks` blocks at `lba` deallocated; the range must lie within the bitmap.
    func markDeallocated(lba: UInt64, blocks: UInt64) {
        self.forEachWord(lba: lba, blocks: blocks) { word, mask in
            word.bitwiseOr(mask, ordering: .relaxed)
        }
    }

    /// Whether the block at `lba` is deallocated.
    func isDeallocated(_ lba: UInt64) -> Bool {
        self.words[Int(lba / 64)].load(ordering: .relaxed) & (1 << (lba % 64)) != 0
    }

    /// The runs of equal state from `lba` on, at most `maximumExtents` of them.
    func extents(from lba: UInt64, maximumExtents: Int) -> [ProvisioningExtent] {
        var extents: [ProvisioningExtent] = []
        var start = lba
        while start < self.blockCount, extents.count < maximumExtents {
            let deallocated = self.isDeallocated(start)
            let end = self.nextChange(after: start, deallocated: deallocated)
            extents.append(ProvisioningExtent(lba: start, blocks: end - start, isMapped: !deallocated))
            start = end
        }
        return extents
    }

    /// The first block after `lba` whose state differs from `deallocated`, or ``blockCount``.
    private func nextChange(after lba: UInt64, deallocated: Bool) -> UInt64 {
        var index = Int(lba / 64)
        // Bits at or below `lba` in its word are not candidates.
        var ignored: UInt64 = lba % 64 == 63 ? ~0 : (1 << (lba % 64 + 1)) - 1
        while index < self.wordCount {
            let word = self.words[index].load(ordering: .relaxed)
            let differing = (deallocated ? ~word : word) & ~ignored
            if differing != 0 {
                return min(self.blockCount, UInt64(index) * 64 + UInt64(differing.trailingZeroBitCount))
            }
            index += 1
            ignored = 0
        }
        return self.blockCount
    }

    /// Calls `body` with each word the range touches and the mask of the range's bits in it.
    private func forEachWord(lba: UInt64, blocks: UInt64, _ body: (borrowing Atomic<UInt64>, UInt64) -> Void) {
        guard blocks > 0 else {
            return
        }
        let end = lba + blocks
        var bit = lba
        while bit < end {
            let offset = bit % 64
            let count = min(64 - offset, end - bit)
            let mask = count == 64 ? ~UInt64(0) : ((1 << count) - 1) << offset
            body(self.words[Int(bit / 64)], mask)
            bit += count
        }
    }
}
