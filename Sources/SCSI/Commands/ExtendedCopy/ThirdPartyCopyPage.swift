/// The Third-party Copy VPD page (0x8F, SPC-4 §7.8.17): what the copy manager offers, for initiators that look
/// before sending EXTENDED COPY. Its descriptors say the same as RECEIVE COPY RESULTS (OPERATING PARAMETERS).
enum ThirdPartyCopyPage {
    static let code: UInt8 = 0x8F

    /// The page body (after the 4-byte VPD header): Supported Commands, Parameter Data and Supported Descriptors
    /// third-party copy descriptors.
    static let body: [UInt8] = {
        // Supported Commands (0x0001): each operation code with the service actions the command table lists.
        var commands: [UInt8] = []
        for operationCode in [ExtendedCopy.operationCode, ReceiveCopyResults.operationCode] {
            let serviceActions = SCSICommandTable.rows(for: operationCode).compactMap { $0.serviceAction }
            commands += [operationCode, UInt8(serviceActions.count)] + serviceActions.map { UInt8($0) }
        }
        let supportedCommands = Self.descriptor(type: 0x0001, [UInt8(commands.count)] + commands)

        // Parameter Data (0x0008).
        var parameters: [UInt8] = [0, 0]
        parameters += UInt16(CopyManagerLimits.maximumTargetDescriptors).bigEndianBytes
        parameters += UInt16(CopyManagerLimits.maximumSegmentDescriptors).bigEndianBytes
        parameters += UInt32(CopyManagerLimits.maximumDescriptorListLength).bigEndianBytes
        parameters += UInt32(0).bigEndianBytes  // MAXIMUM INLINE DATA LENGTH
        parameters += [UInt8](repeating: 0, count: 12)
        let parameterData = Self.descriptor(type: 0x0008, parameters)

        // Supported Descriptors (0x8001).
        let types = CopyManagerLimits.implementedDescriptorTypes
        let supportedDescriptors = Self.descriptor(type: 0x8001, [UInt8(types.count)] + types)

        return supportedCommands + parameterData + supportedDescriptors
    }()

    /// One third-party copy descriptor: type, length, and the data padded to a multiple of 4 bytes.
    private static func descriptor(type: UInt16, _ data: [UInt8]) -> [UInt8] {
        let padded = data + [UInt8](repeating: 0, count: (4 - data.count % 4) % 4)
        return type.bigEndianBytes + UInt16(padded.count).bigEndianBytes + padded
    }
}
