/// Which operations a device supports.
///
/// The set feeds the `supported_io_types` object of `bdev_get_bdevs`; ``spdkNames`` lists every key SPDK
/// prints, in SPDK's order, so the RPC layer can emit the whole object.
public struct BlockIOTypes: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    public static let read = BlockIOTypes(rawValue: 1 << 0)
    public static let write = BlockIOTypes(rawValue: 1 << 1)
    public static let unmap = BlockIOTypes(rawValue: 1 << 2)
    public static let flush = BlockIOTypes(rawValue: 1 << 3)
    public static let reset = BlockIOTypes(rawValue: 1 << 4)
    public static let nvmeAdmin = BlockIOTypes(rawValue: 1 << 5)
    public static let nvmeIO = BlockIOTypes(rawValue: 1 << 6)
    public static let nvmeIOMetadata = BlockIOTypes(rawValue: 1 << 7)
    public static let writeZeroes = BlockIOTypes(rawValue: 1 << 8)
    public static let zeroCopy = BlockIOTypes(rawValue: 1 << 9)
    public static let getZoneInfo = BlockIOTypes(rawValue: 1 << 10)
    public static let zoneManagement = BlockIOTypes(rawValue: 1 << 11)
    public static let zoneAppend = BlockIOTypes(rawValue: 1 << 12)
    public static let compare = BlockIOTypes(rawValue: 1 << 13)
    public static let compareAndWrite = BlockIOTypes(rawValue: 1 << 14)
    public static let abort = BlockIOTypes(rawValue: 1 << 15)
    public static let seekHole = BlockIOTypes(rawValue: 1 << 16)
    public static let seekData = BlockIOTypes(rawValue: 1 << 17)
    public static let copy = BlockIOTypes(rawValue: 1 << 18)
    public static let nvmeIOVectorMetadata = BlockIOTypes(rawValue: 1 << 19)

    /// Every I/O type with the key `bdev_get_bdevs` uses for it, in the order SPDK prints them.
    public static let spdkNames: [(name: String, type: BlockIOTypes)] = [
        ("read", .read),
        ("write", .write),
        ("unmap", .unmap),
        ("flush", .flush),
        ("reset", .reset),
        ("nvme_admin", .nvmeAdmin),
        ("nvme_io", .nvmeIO),
        ("nvme_io_md", .nvmeIOMetadata),
        ("write_zeroes", .writeZeroes),
        ("zcopy", .zeroCopy),
        ("get_zone_info", .getZoneInfo),
        ("zone_management", .zoneManagement),
        ("zone_append", .zoneAppend),
        ("compare", .compare),
        ("compare_and_write", .compareAndWrite),
        ("abort", .abort),
        ("seek_hole", .seekHole),
        ("seek_data", .seekData),
        ("copy", .copy),
        ("nvme_iov_md", .nvmeIOVectorMetadata),
    ]
}
