/// The kind of one block I/O, for behaviour that depends on it: added latency, injected errors, statistics.
public enum BlockIOKind: Sendable, Hashable, CaseIterable {
    case read
    case write
    case unmap
    case flush
    case writeZeroes
}
