import CLibRBD

/// One librbd request in flight: the completion to run when librados calls back, and, captured by it, everything
/// librbd reads from or writes into until then (buffers, I/O vectors).
///
/// A submission retains the request and hands librbd its address as the tag; the callback takes the reference
/// back. librados runs the callback on its own threads, two of them possibly at once: the completion must not
/// block.
final class RBDRequest: Sendable {
    private let completion: @Sendable (Int64) -> Void

    private init(_ completion: @escaping @Sendable (Int64) -> Void) {
        self.completion = completion
    }

    /// Resolves librbd's aio functions once per process and routes their completions to requests.
    ///
    /// - Throws: ``BlockDeviceError/libraryUnavailable(_:)`` when librbd or one of its aio functions is missing.
    static func loadLibrary() throws(BlockDeviceError) {
        try RBDConnection.loadLibrary()
        guard crbd_aio_load(rbdRequestDidComplete) == 0 else {
            let reason = crbd_aio_load_error().map { String(cString: $0) } ?? "unknown error"
            throw .libraryUnavailable("librbd is not available (\(reason))")
        }
    }

    /// Submits one request with `submission`, which passes the tag it is given to a `crbd_aio_*` call and returns
    /// that call's result. `completion` later gets librbd's result (a byte count or 0, or -errno), unless the
    /// submission fails: then nothing runs and the error is returned.
    static func submit(
        _ submission: (UnsafeMutableRawPointer) -> CInt,
        completion: @escaping @Sendable (Int64) -> Void
    ) -> CInt {
        let request = Unmanaged.passRetained(RBDRequest(completion))
        let result = submission(request.toOpaque())
        if result < 0 {
            request.release()
        }
        return result
    }

    fileprivate func complete(_ result: Int64) {
        self.completion(result)
    }
}

/// The handler librados' threads call for every finished request.
private func rbdRequestDidComplete(_ tag: UnsafeMutableRawPointer?, _ result: Int64) {
    guard let tag else { return }
    Unmanaged<RBDRequest>.fromOpaque(tag).takeRetainedValue().complete(result)
}
