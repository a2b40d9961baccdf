/// Why a block I/O failed.
public enum BlockIOError: Error, Sendable, Hashable {
    /// The request addresses blocks past the end of the device, or its length is not a whole number of blocks.
    case outOfRange
    /// The device could not complete the transfer (a medium or transport failure).
    case ioError
    /// The device was removed (hot-remove) while the request was outstanding or before it started.
    case deviceRemoved
    /// The device does not implement this kind of request (see ``BlockDevice/supportedIOTypes``).
    case unsupported
    /// A compare found data that differs from the expected data (COMPARE, COMPARE AND WRITE).
    case miscompare
}

/// Outcome of one block I/O.
public enum BlockIOStatus: Sendable, Hashable {
    /// The request completed.
    case success
    /// The request failed; no guarantee is made about the content of the addressed blocks.
    case failed(BlockIOError)
}
