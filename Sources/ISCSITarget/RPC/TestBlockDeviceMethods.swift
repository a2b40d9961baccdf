import BlockDevice
import FoundationEssentials
import JSONRPC

/// bdev_delay_create/delete/update_latency and bdev_error_create/delete/inject_error/resume_pending: block
/// devices for tests.
enum TestBlockDeviceMethods {
    static func methods(_ configuration: TargetConfiguration, devices: BlockDeviceRegistry) -> [RPCMethod] {
        [
            RPCMethod("bdev_delay_create") { params in
                var decoder = try RPCParams(params, failure: .decodeFailed)
                let baseName: String = try decoder.required("base_bdev_name")
                let name: String = try decoder.required("name")
                var latencies: [DelayBlockDevice.Latency: UInt64] = [:]
                for latency in DelayBlockDevice.Latency.allCases {
                    latencies[latency] = try decoder.required(latency.rawValue + "_latency")
                }
                let uuid = try Self.decodeUUID(&decoder)
                try decoder.finish()
                do throws(BlockDeviceError) {
                    return .string(
                        try await configuration.createDelayBlockDevice(
                            name: name,
                            baseName: baseName,
                            latencies: latencies,
                            uuid: uuid
                        )
                    )
                } catch {
                    throw error.rpcError
                }
            },
            Self.delete("bdev_delay_delete", DelayBlockDevice.self, configuration),
            RPCMethod("bdev_delay_update_latency") { params in
                var decoder = try RPCParams(params, failure: .decodeFailed)
                let name: String = try decoder.required("delay_bdev_name")
                let type: String = try decoder.required("latency_type")
                let microseconds: UInt64 = try decoder.required("latency_us")
                try decoder.finish()
                guard let latency = DelayBlockDevice.Latency(rawValue: type) else { throw RPCError.decodeFailed }
                guard let device = devices.device(named: name) else {
                    throw RPCError.invalidParameters("The requested bdev does not exist.")
                }
                guard let delay = device as? DelayBlockDevice else {
                    throw RPCError(code: -32600, message: "The requested bdev is not a delay bdev.")
                }
                delay.setLatency(latency, microseconds: microseconds)
                return true
            },
            RPCMethod("bdev_error_create") { params in
                var decoder = try RPCParams(params, failure: .decodeFailed)
                let baseName: String = try decoder.required("base_name")
                let uuid = try Self.decodeUUID(&decoder)
                try decoder.finish()
                do throws(BlockDeviceError) {
                    try await configuration.createErrorBlockDevice(baseName: baseName, uuid: uuid)
                } catch {
                    throw error.rpcError
                }
                return true
            },
            Self.delete("bdev_error_delete", ErrorBlockDevice.self, configuration),
            RPCMethod("bdev_error_inject_error") { params in
                var decoder = try RPCParams(params, failure: .decodeFailed)
                let name: String = try decoder.required("name")
                let ioType: String = try decoder.required("io_type")
                let errorType: String = try decoder.required("error_type")
                let count: UInt32 = try decoder.optional("num") ?? 1
                _ = try decoder.optional("queue_depth", as: UInt64.self)
                let corruptOffset: UInt64 = try decoder.optional("corrupt_offset") ?? 0
                let corruptValue: UInt8 = try decoder.optional("corrupt_value") ?? 0
                let nvmeStatusCodeType: UInt32 = try decoder.optional("nvme_sct") ?? 0
                let nvmeStatusCode: UInt32 = try decoder.optional("nvme_sc") ?? 0
                try decoder.finish()
                guard let kinds = Self.kinds(ioType) else { throw RPCError.decodeFailed }
                guard let injected = ErrorBlockDevice.ErrorType(rawValue: errorType) else {
                    // `pending` holds I/Os until bdev_error_resume_pending: inline I/O cannot be held.
                    throw errorType == "pending" ? RPCError.errno(95) : RPCError.decodeFailed
                }
                let hasNVMeStatus = nvmeStatusCodeType != 0 || nvmeStatusCode != 0
                if injected == .nvmeFailure && !hasNVMeStatus {
                    throw RPCError(
                        code: -22,
                        message: "nvme_sct or nvme_sc should be specified for NVMe error injection"
                    )
                }
                guard injected == .nvmeFailure || !hasNVMeStatus else { throw RPCError.errno(22) }
                guard injected != .corruptData || corruptValue != 0 else { throw RPCError.errno(22) }
                guard let device = devices.device(named: name) as? ErrorBlockDevice else { throw RPCError.errno(19) }
                if ioType == "clear" {
                    device.clearInjections()
                } else {
                    let injection = ErrorBlockDevice.Injection(
                        errorType: injected,
                        count: count,
                        corruptOffset: corruptOffset,
                        corruptValue: corruptValue
                    )
                    device.inject(injection, into: kinds)
                }
                return true
            },
            RPCMethod("bdev_error_resume_pending") { params in
                var decoder = try RPCParams(params, failure: .decodeFailed)
                let name: String = try decoder.required("name")
                try decoder.finish()
                // Nothing is ever held: `pending` injections are refused.
                guard devices.device(named: name) is ErrorBlockDevice else { throw RPCError.errno(19) }
                return true
            },
        ]
    }

    /// The kinds an `io_type` names (`all` includes write zeroes); `clear` names none.
    private static func kinds(_ ioType: String) -> [BlockIOKind]? {
        switch ioType {
        case "clear": []
        case "read": [.read]
        case "write": [.write]
        case "unmap": [.unmap]
        case "flush": [.flush]
        case "all": BlockIOKind.allCases
        default: nil
        }
    }

    private static func delete<Device: BlockDevice>(
        _ method: String,
        _ type: Device.Type,
        _ configuration: TargetConfiguration
    ) -> RPCMethod {
        RPCMethod(method) { params in
            var decoder = try RPCParams(params, failure: .decodeFailed)
            let name: String = try decoder.required("name")
            try decoder.finish()
            do throws(BlockDeviceError) {
                try await configuration.deleteBlockDevice(named: name, of: type)
            } catch {
                throw error.rpcError
            }
            return true
        }
    }

    private static func decodeUUID(_ decoder: inout RPCParams) throws -> UUID? {
        guard let text = try decoder.optional("uuid", as: String.self) else { return nil }
        guard let uuid = UUID(uuidString: text) else { throw RPCError.decodeFailed }
        return uuid
    }
}
