import CLibRBD

extension RBDBlockDevice {
    /// Opens (creating it empty when missing) the RADOS object beside the image where the gateways serving the
    /// image keep its persistent reservations: `iscsi_tgt.pr.<image id>` in the image's pool. The image id
    /// survives a rename, and a new image under an old name starts without the old image's reservations.
    ///
    /// - Throws: ``BlockDeviceError/system(errno:)`` with librados' or librbd's errno.
    public func openReservationObject() throws(BlockDeviceError) -> RADOSObject {
        var buffer = [CChar](repeating: 0, count: 64)
        let result = buffer.withUnsafeMutableBufferPointer {
            crados_image_id(self.image.handle, $0.baseAddress, $0.count)
        }
        guard result == 0 else {
            throw .system(errno: -result)
        }
        let id = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return try RADOSObject(
            connection: self.image.connection,
            pool: self.configuration.poolName,
            name: "iscsi_tgt.pr.\(id)"
        )
    }
}
