import NIOCore

/// A SCSI target device: the logical units one iSCSI target node maps, addressed by LUN id (SPDK's
/// `spdk_scsi_dev`). It is the entry point of the data path.
///
/// A value type: the control plane builds a new value when the LUN map changes and publishes it to the
/// connections, which read it without locks. The logical units themselves are shared objects.
///
/// Running a command takes two steps so that a bad WRITE is refused before any data is solicited:
/// ```swift
/// switch device.prepare(command, nexus: &nexus) {
/// case .completed(let completion):
///     // send the SCSI Response now
/// case .ready(let prepared):
///     // collect prepared.dataOutLength bytes of data-out (immediate data, Data-Out PDUs), then:
///     let completion = device.execute(prepared, dataOut: segments, dataIn: &buffer, nexus: &nexus)
/// }
/// ```
public struct SCSIDevice: Sendable {
    /// The SCSI device name: the target IQN.
    public var name: String
    /// The device id (`scsi_get_devices` `id`), also the logical unit group in VPD page 0x83.
    public var id: UInt16
    /// Every target port (portal group) of the target, listed in VPD page 0x88.
    public var ports: [SCSITargetPort]
    private var logicalUnitsByID: [UInt16: LogicalUnit]

    /// Creates a device; logical units whose id is taken or out of range are left out (see ``add(_:)``).
    public init(name: String, id: UInt16, ports: [SCSITargetPort] = [], logicalUnits: [LogicalUnit] = []) {
        self.name = name
        self.id = id
        self.ports = ports
        self.logicalUnitsByID = [:]
        for logicalUnit in logicalUnits {
            self.add(logicalUnit)
        }
    }

    /// The logical units, by ascending LUN id.
    public var logicalUnits: [LogicalUnit] {
        self.logicalUnitsByID.values.sorted { $0.id < $1.id }
    }

    /// The logical unit at `id`, if any.
    public func logicalUnit(id: UInt16) -> LogicalUnit? {
        self.logicalUnitsByID[id]
    }

    /// Maps `logicalUnit` at its id; false (and no change) when the id is taken or above
    /// ``LogicalUnitAddress/maximumID``.
    @discardableResult
    public mutating func add(_ logicalUnit: LogicalUnit) -> Bool {
        guard logicalUnit.id <= LogicalUnitAddress.maximumID, self.logicalUnitsByID[logicalUnit.id] == nil else {
            return false
        }
        self.logicalUnitsByID[logicalUnit.id] = logicalUnit
        return true
    }

    /// Unmaps and returns the logical unit at `id`.
    @discardableResult
    public mutating func removeLogicalUnit(id: UInt16) -> LogicalUnit? {
        self.logicalUnitsByID.removeValue(forKey: id)
    }

    /// Decodes and validates `command` against the addressed logical unit, and reports a pending unit
    /// attention. Cheap: touches no data.
    public func prepare(_ command: SCSICommand, nexus: inout SCSINexus) -> SCSIPreparation {
        let logicalUnit = LogicalUnitAddress.decode(command.logicalUnitNumber).flatMap { self.logicalUnitsByID[$0] }
        let operation: SCSIOperation
        do {
            operation = try SCSIOperation(command.cdb)
        } catch {
            if logicalUnit == nil || logicalUnit?.isRemoved == true {
                return .completed(.checkCondition(.illegalRequest(.logicalUnitNotSupported)))
            }
            return .completed(.checkCondition(error.sense))
        }
        let expectedLength = Int(command.expectedDataTransferLength)

        guard let logicalUnit, !logicalUnit.isRemoved else {
            guard operation.isServedWithoutLogicalUnit else {
                return .completed(.checkCondition(.illegalRequest(.logicalUnitNotSupported)))
            }
            return .ready(
                SCSIPreparedCommand(
                    logicalUnit: nil,
                    operation: operation,
                    dataOutLength: 0,
                    transferLength: nil,
                    dataInLimit: min(operation.allocationLength, expectedLength)
                )
            )
        }

        if !operation.reportsUnitAttention {
            nexus.noteContact(with: logicalUnit)
        } else if let attention = nexus.takeUnitAttention(for: logicalUnit) {
            return .completed(.checkCondition(attention))
        }
        if logicalUnit.conflicts(operation.reservationAccess, from: nexus.identifier) {
            return .completed(SCSICompletion(status: .reservationConflict))
        }
        // While a sanitize runs, the commands exempt from unit attentions are the ones that still run (SBC-3 §4.11).
        if operation.reportsUnitAttention, let sense = logicalUnit.sanitizeInProgress {
            return .completed(.checkCondition(sense))
        }

        if operation.modifiesMedium, let sense = logicalUnit.writeProtection {
            return .completed(.checkCondition(sense))
        }

        let lengths: (dataOut: Int, transfer: Int?)
        do {
            lengths = try self.validate(operation, of: command, on: logicalUnit)
        } catch {
            return .completed(.checkCondition(error.sense))
        }
        return .ready(
            SCSIPreparedCommand(
                logicalUnit: logicalUnit,
                operation: operation,
                dataOutLength: lengths.dataOut,
                transferLength: lengths.transfer,
                dataInLimit: min(operation.allocationLength, expectedLength)
            )
        )
    }

    /// Runs a prepared command.
    ///
    /// - Parameters:
    ///   - dataOut: the data-out payload in order (immediate data, then each Data-Out PDU's slice); together at
    ///     least ``SCSIPreparedCommand/dataOutLength`` bytes. Writes copy straight from these into the device.
    ///   - dataIn: a buffer the transport allocated (room for its PDU header may precede the writer index);
    ///     the command appends at most ``SCSIPreparedCommand/dataInLimit`` bytes.
    ///   - nexus: the I_T nexus the command came through.
    ///
    /// A command's block I/O is counted in the device's ``BlockDevice/ioAccounting``; the completion's
    /// ``SCSICompletion/responseDelay`` is the device's latency for it plus what its rate limits impose.
    public func execute(
        _ prepared: SCSIPreparedCommand,
        dataOut: [ByteBuffer],
        dataIn: inout ByteBuffer,
        nexus: inout SCSINexus
    ) -> SCSICompletion {
        guard let device = prepared.logicalUnit?.blockDevice, let kind = prepared.operation.blockIOKind else {
            return self.run(prepared, dataOut: dataOut, dataIn: &dataIn, nexus: &nexus)
        }
        // A device without accounting (Malloc) needs no latency: no clock reads.
        guard let accounting = device.ioAccounting else {
            var completion = self.run(prepared, dataOut: dataOut, dataIn: &dataIn, nexus: &nexus)
            completion.responseDelay = device.responseDelay(for: kind)
            return completion
        }
        let start = NIODeadline.now()
        var completion = self.run(prepared, dataOut: dataOut, dataIn: &dataIn, nexus: &nexus)
        let latency = UInt64(max(0, (NIODeadline.now() - start).nanoseconds))
        let bytes = kind == .read ? completion.dataInLength : prepared.dataOutLength
        let throttle = accounting.record(kind, bytes: bytes, latencyNanoseconds: latency)
        completion.responseDelay = device.responseDelay(for: kind) + throttle
        return completion
    }

    private func run(
        _ prepared: SCSIPreparedCommand,
        dataOut: [ByteBuffer],
        dataIn: inout ByteBuffer,
        nexus: inout SCSINexus
    ) -> SCSICompletion {
        let limit = prepared.dataInLimit
        guard let logicalUnit = prepared.logicalUnit, !logicalUnit.isRemoved else {
            return self.executeWithoutLogicalUnit(prepared.operation, limit: limit, dataIn: &dataIn)
        }
        guard dataOut.reduce(0, { $0 + $1.readableBytes }) >= prepared.dataOutLength else {
            return .checkCondition(.illegalRequest(.parameterListLengthError))
        }

        switch prepared.operation {
        case .blockTransfer(let transfer):
            switch transfer.direction {
            case .read:
                return logicalUnit.read(transfer, limit: limit, into: &dataIn)
            case .write:
                return logicalUnit.write(
                    transfer,
                    length: prepared.dataOutLength,
                    dataOut: Self.trim(dataOut, to: prepared.dataOutLength)
                )
            }
        case .testUnitReady, .startStopUnit:
            return .good()
        case .modeSelect(let modeSelect):
            return logicalUnit.modeSelect(
                modeSelect,
                parameters: Self.gather(dataOut, length: prepared.dataOutLength),
                from: nexus.identifier
            )
        case .inquiry(let inquiry):
            let data: [UInt8]
            if let page = inquiry.vitalProductDataPage {
                data = VitalProductData.page(page, of: logicalUnit, in: self, through: nexus.targetPort)
            } else {
                data = StandardInquiryData.bytes(for: logicalUnit)
            }
            return dataIn.writeDataIn(data, limit: limit)
        case .reportLUNs(let report):
            // REPORTED LUNS DATA HAS CHANGED concerns the whole device: REPORT LUNS clears it at every LUN.
            for mapped in self.logicalUnitsByID.values {
                nexus.clearUnitAttention(.reportedLUNsDataHasChanged, at: mapped)
            }
            return dataIn.writeDataIn(report.data(luns: self.logicalUnitIDs), limit: limit)
        case .requestSense:
            let sense = nexus.takeUnitAttention(for: logicalUnit) ?? logicalUnit.sanitizeInProgress ?? .noSense
            return dataIn.writeDataIn(sense.bytes, limit: limit)
        case .modeSense(let modeSense):
            return dataIn.writeDataIn(modeSense.data(for: logicalUnit), limit: limit)
        case .readCapacity10:
            return dataIn.writeDataIn(ReadCapacity10.data(for: logicalUnit), limit: limit)
        case .readCapacity16:
            return dataIn.writeDataIn(ReadCapacity16.data(for: logicalUnit), limit: limit)
        case .reportSupportedOperationCodes(let report):
            return dataIn.writeDataIn(report.data(), limit: limit)
        case .reportSupportedTaskManagementFunctions(let report):
            return dataIn.writeDataIn(report.data(), limit: limit)
        case .getLBAStatus(let status):
            return dataIn.writeDataIn(status.data(for: logicalUnit), limit: limit)
        case .readDefectData(let defects):
            return dataIn.writeDataIn(defects.data(), limit: limit)
        case .sanitize(let sanitize):
            return logicalUnit.sanitize(sanitize, parameters: Self.gather(dataOut, length: prepared.dataOutLength))
        case .extendedCopy(let copy):
            let parameters = Self.gather(dataOut, length: prepared.dataOutLength)
            return self.extendedCopy(copy, parameters: parameters, on: logicalUnit, nexus: &nexus)
        case .receiveCopyResults(let results):
            do {
                let data = try results.data(logicalUnit: logicalUnit.id, results: nexus.heldCopyResults)
                return dataIn.writeDataIn(data, limit: limit)
            } catch {
                return .checkCondition(error.sense)
            }
        case .synchronizeCache:
            return logicalUnit.synchronizeCache()
        case .writeSame(let writeSame):
            return logicalUnit.writeSame(writeSame, pattern: Self.gather(dataOut, length: prepared.dataOutLength))
        case .compareAndWrite(let compareAndWrite):
            return logicalUnit.compareAndWrite(
                compareAndWrite,
                data: Self.gather(dataOut, length: prepared.dataOutLength)
            )
        case .unmap(let unmap):
            return logicalUnit.unmap(unmap, parameters: Self.gather(dataOut, length: prepared.dataOutLength))
        case .persistentReserveIn(let reserveIn):
            return logicalUnit.persistentReserveIn(reserveIn, limit: limit, into: &dataIn)
        case .persistentReserveOut(let reserveOut):
            return logicalUnit.persistentReserveOut(
                reserveOut,
                parameters: Self.gather(dataOut, length: prepared.dataOutLength),
                from: nexus.identifier
            )
        case .legacyReservation(let reservation):
            return logicalUnit.reserveOrRelease(reservation, from: nexus.identifier)
        case .verify(let verify):
            return logicalUnit.verify(verify, data: Self.gather(dataOut, length: prepared.dataOutLength))
        case .orWrite(let orWrite):
            return logicalUnit.orWrite(orWrite, data: Self.gather(dataOut, length: prepared.dataOutLength))
        case .preFetch:
            return .good()
        case .writeAtomic(let writeAtomic):
            return logicalUnit.writeAtomic(
                writeAtomic,
                dataOut: Self.trim(dataOut, to: prepared.dataOutLength)
            )
        }
    }

    /// Decodes, validates and runs a command whose data-out (if any) has already arrived.
    public func execute(
        _ command: SCSICommand,
        dataOut: [ByteBuffer],
        dataIn: inout ByteBuffer,
        nexus: inout SCSINexus
    ) -> SCSICompletion {
        switch self.prepare(command, nexus: &nexus) {
        case .completed(let completion):
            return completion
        case .ready(let prepared):
            return self.execute(prepared, dataOut: dataOut, dataIn: &dataIn, nexus: &nexus)
        }
    }

    private var logicalUnitIDs: [UInt16] {
        self.logicalUnitsByID.keys.sorted()
    }

    /// Checks `operation` against the logical unit and returns its data-out length and, for block transfers, the
    /// bytes its CDB asks to move.
    private func validate(
        _ operation: SCSIOperation,
        of command: SCSICommand,
        on logicalUnit: LogicalUnit
    ) throws(SCSICheckCondition) -> (dataOut: Int, transfer: Int?) {
        let expectedLength = Int(command.expectedDataTransferLength)
        let dataOutLength: Int
        switch operation {
        case .blockTransfer(let transfer):
            let bytes = try transfer.validate(on: logicalUnit)
            // A write needs data-out the initiator announced with the W bit. A read without the R bit runs and
            // the transport keeps its data (libiscsi's Read10Invalid expects GOOD, as Linux LIO answers). With an
            // EDTL of 0 nothing moves: the command runs and reports an overflow residual.
            if transfer.direction == .write && bytes > 0 && expectedLength > 0 && !command.isWrite {
                throw .invalidFieldInCDB
            }
            // A write longer than the EDTL writes only what the initiator sends (RFC 7143 §11.4.5.1).
            return (transfer.direction == .write ? min(bytes, expectedLength) : 0, bytes)
        case .inquiry(let inquiry):
            try inquiry.validate(on: logicalUnit)
            dataOutLength = 0
        case .getLBAStatus(let status):
            try status.validate(on: logicalUnit)
            dataOutLength = 0
        case .synchronizeCache(let synchronize):
            try synchronize.validate(on: logicalUnit)
            dataOutLength = 0
        case .unmap(let unmap):
            guard logicalUnit.supportsUnmap else {
                throw .invalidCommandOperationCode
            }
            dataOutLength = Int(unmap.parameterListLength)
        case .writeSame(let writeSame):
            dataOutLength = try writeSame.validate(on: logicalUnit)
            // WRITE SAME takes one block of data-out: an initiator that announces more sent a malformed command
            // (libiscsi's WriteSame*.InvalidDataOutSize), not a short transfer.
            guard dataOutLength == 0 || expectedLength <= dataOutLength else {
                throw .invalidFieldInCDB
            }
        case .compareAndWrite(let compareAndWrite):
            dataOutLength = try compareAndWrite.validate(on: logicalUnit, expectedLength: expectedLength)
        case .verify(let verify):
            dataOutLength = try verify.validate(on: logicalUnit)
        case .orWrite(let orWrite):
            dataOutLength = try orWrite.validate(on: logicalUnit)
        case .preFetch(let preFetch):
            try preFetch.validate(on: logicalUnit)
            dataOutLength = 0
        case .writeAtomic(let writeAtomic):
            dataOutLength = try writeAtomic.validate(on: logicalUnit)
        case .modeSelect(let modeSelect):
            dataOutLength = Int(modeSelect.parameterListLength)
        case .persistentReserveOut(let reserveOut):
            dataOutLength = Int(clamping: reserveOut.parameterListLength)
        case .extendedCopy(let copy):
            dataOutLength = Int(copy.parameterListLength)
        case .sanitize(let sanitize):
            dataOutLength = try sanitize.validate(on: logicalUnit)
        default:
            dataOutLength = 0
        }
        guard dataOutLength == 0 || (command.isWrite && dataOutLength <= expectedLength) else {
            throw .invalidFieldInCDB
        }
        return (dataOutLength, nil)
    }

    /// INQUIRY and REPORT LUNS addressed to a LUN with no logical unit.
    private func executeWithoutLogicalUnit(
        _ operation: SCSIOperation,
        limit: Int,
        dataIn: inout ByteBuffer
    ) -> SCSICompletion {
        switch operation {
        case .inquiry:
            return dataIn.writeDataIn(StandardInquiryData.notPresent, limit: limit)
        case .reportLUNs(let report):
            return dataIn.writeDataIn(report.data(luns: self.logicalUnitIDs), limit: limit)
        default:
            return .checkCondition(.illegalRequest(.logicalUnitNotSupported))
        }
    }

    /// The first `length` bytes of `segments` in one buffer, for commands that parse their parameter data.
    static func gather(_ segments: [ByteBuffer], length: Int) -> ByteBuffer {
        var gathered = ByteBuffer()
        gathered.reserveCapacity(length)
        for var segment in Self.trim(segments, to: length) {
            gathered.writeBuffer(&segment)
        }
        return gathered
    }

    /// The first `length` bytes of `segments` (the segments themselves in the usual case of an exact fit).
    static func trim(_ segments: [ByteBuffer], to length: Int) -> [ByteBuffer] {
        if segments.reduce(0, { $0 + $1.readableBytes }) == length {
            return segments
        }
        var remaining = length
        var trimmed: [ByteBuffer] = []
        trimmed.reserveCapacity(segments.count)
        for segment in segments where remaining > 0 {
            let take = min(remaining, segment.readableBytes)
            if take == segment.readableBytes {
                trimmed.append(segment)
            } else if let slice = segment.getSlice(at: segment.readerIndex, length: take) {
                trimmed.append(slice)
            }
            remaining -= take
        }
        return trimmed
    }
}

extension ByteBuffer {
    /// Appends at most `limit` bytes of `data` and reports GOOD with the count appended.
    mutating func writeDataIn(_ data: [UInt8], limit: Int) -> SCSICompletion {
        let count = Swift.min(data.count, Swift.max(0, limit))
        self.writeBytes(data.prefix(count))
        return .good(dataInLength: count)
    }
}
