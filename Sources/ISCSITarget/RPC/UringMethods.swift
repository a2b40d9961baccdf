import BlockDevice
import FoundationEssentials
import JSONRPC
import Logging

/// bdev_uring_create, bdev_uring_rescan, bdev_uring_delete: file bdevs opened with O_DIRECT and driven through
/// io_uring.
enum UringMethods {
    /// SPDK's answer to every failed bdev_uring_create.
    static let creationFailed = RPCError.internalError("Unable to create URING bdev.")

    static func methods(_ configuration: TargetConfiguration, logger: Logger) -> [RPCMethod] {
        [
            RPCMethod("bdev_uring_create") { params in
                var decoder = try RPCParams(params, failure: .decodeFailed)
                var request = UringBlockDevice.Configuration(
                    name: try decoder.required("name"),
                    filename: try decoder.required("filename")
                )
                request.blockSize = try decoder.optional("block_size") ?? 0
                if let text = try decoder.optional("uuid", as: String.self) {
                    guard let uuid = UUID(uuidString: text) else { throw RPCError.decodeFailed }
                    request.uuid = uuid
                }
                try decoder.finish()
                do throws(TargetConfiguration.UringCreationFailure) {
                    return .string(try await configuration.createUringBlockDevice(request))
                } catch {
                    logger.error("bdev_uring_create \(request.name) on \(request.filename): \(Self.reason(error))")
                    throw Self.creationFailed
                }
            },
            RPCMethod("bdev_uring_rescan") { params in
                let name = try Self.decodeName(params)
                do throws(BlockDeviceError) {
                    try await configuration.rescanUringBlockDevice(named: name)
                } catch {
                    throw error.rpcError
                }
                return true
            },
            RPCMethod("bdev_uring_delete") { params in
                let name = try Self.decodeName(params)
                do throws(BlockDeviceError) {
                    try await configuration.deleteBlockDevice(named: name, of: UringBlockDevice.self)
                } catch {
                    throw error.rpcError
                }
                return true
            },
        ]
    }

    /// bdev_get_bdevs' `driver_specific` object of a uring bdev, as SPDK prints it.
    static func driverSpecificJSON(_ device: UringBlockDevice) -> JSONValue {
        .object(JSONObject([("uring", .object(JSONObject([("filename", .string(device.configuration.filename))])))]))
    }

    /// Why the device was not created, for the log (the RPC error is SPDK's one message).
    static func reason(_ failure: TargetConfiguration.UringCreationFailure) -> String {
        switch failure {
        case .exists:
            return "a device with this name or UUID exists"
        case .device(.uringUnavailable(let errno)):
            return "io_uring is not available (errno \(errno))"
        case .device(.openFailed(let errno)):
            return "cannot open the file (errno \(errno))"
        case .device(.directIORefused):
            return "the file system refuses O_DIRECT on this file (put it on a disk file system, or use bdev_aio)"
        case .device(.invalidBlockSize(let size, let detected)):
            return "block size \(size) is not a power of two from 512 to 1 MiB, at least \(detected)"
        case .device(.invalidFile):
            return "not a regular file or block device holding at least one block"
        }
    }

    private static func decodeName(_ params: JSONValue?) throws -> String {
        var decoder = try RPCParams(params, failure: .decodeFailed)
        let name: String = try decoder.required("name")
        try decoder.finish()
        return name
    }
}
