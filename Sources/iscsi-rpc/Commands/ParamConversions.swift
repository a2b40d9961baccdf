import JSONRPC

/// The conversions rpc.py's command functions apply to argument values before sending them,
/// failing the way Python does on malformed input.
enum ParamConversions {
    /// The strings of a list-valued argument (a `str.split` result), or none when it is absent.
    static func strings(_ value: JSONValue) -> [String] {
        (value.arrayValue ?? []).compactMap(\.stringValue)
    }

    /// Python `a, b = text.split(separator)`: exactly two pieces or `ValueError`.
    static func pair(_ text: String, separator: Character) throws -> (String, String) {
        let pieces = text.split(separator: separator, omittingEmptySubsequences: false).map(String.init)
        guard pieces.count == 2 else {
            let detail =
                pieces.count < 2
                ? "not enough values to unpack (expected 2, got \(pieces.count))"
                : "too many values to unpack (expected 2)"
            throw CommandAbort.exception("ValueError", detail)
        }
        return (pieces[0], pieces[1])
    }

    /// Python `int(text)`.
    static func integer(_ text: String) throws -> JSONValue {
        guard let value = PythonNumberParser.integer(text) else {
            throw CommandAbort.exception("ValueError", "invalid literal for int() with base 10: '\(text)'")
        }
        return value
    }

    /// `'PG:IG PG:IG'` → `[{"pg_tag": PG, "ig_tag": IG}, ...]`, empty pieces skipped.
    static func pgIgMaps(_ value: JSONValue) throws -> JSONValue {
        var maps: [JSONValue] = []
        for piece in strings(value) where !piece.isEmpty {
            let (portalGroup, initiatorGroup) = try pair(piece, separator: ":")
            maps.append(.object(["pg_tag": try integer(portalGroup), "ig_tag": try integer(initiatorGroup)]))
        }
        return .array(maps)
    }

    /// `'BDEV:LUN BDEV:LUN'` → `[{"bdev_name": BDEV, "lun_id": LUN}, ...]`, empty pieces skipped.
    static func luns(_ value: JSONValue) throws -> JSONValue {
        var luns: [JSONValue] = []
        for piece in strings(value) where !piece.isEmpty {
            let (bdevName, lunID) = try pair(piece, separator: ":")
            luns.append(.object(["bdev_name": .string(bdevName), "lun_id": try integer(lunID)]))
        }
        return .array(luns)
    }

    /// `'HOST:PORT HOST:PORT'` → `[{"host": HOST, "port": PORT}, ...]`, empty pieces skipped.
    static func portals(_ value: JSONValue) throws -> JSONValue {
        var portals: [JSONValue] = []
        for piece in strings(value) where !piece.isEmpty {
            let (host, port) = try pair(piece, separator: ":")
            portals.append(.object(["host": .string(host), "port": .string(port)]))
        }
        return .array(portals)
    }

    /// `-c 'user:u secret:s muser:m msecret:ms,user:...'` (already split on commas) → a list of
    /// objects, or `None` when no secret was given.
    static func secrets(_ value: JSONValue) throws -> JSONValue {
        let entries = strings(value)
        guard !entries.isEmpty else { return .null }
        var secrets: [JSONValue] = []
        for entry in entries {
            var secret = JSONObject()
            for (index, item) in entry.split(separator: " ", omittingEmptySubsequences: false).enumerated() {
                let pieces = item.split(separator: ":", omittingEmptySubsequences: false)
                guard pieces.count == 2 else {
                    throw CommandAbort.exception(
                        "ValueError",
                        "dictionary update sequence element #\(index) has length \(pieces.count); 2 is required"
                    )
                }
                secret[String(pieces[0])] = .string(String(pieces[1]))
            }
            secrets.append(.object(secret))
        }
        return .array(secrets)
    }

    /// Repeated `--config key=value` options → an object, or `None` when none was given.
    static func keyValues(_ value: JSONValue, option: String) throws -> JSONValue {
        let entries = strings(value)
        guard !entries.isEmpty else { return .null }
        var object = JSONObject()
        for entry in entries {
            guard let equals = entry.firstIndex(of: "=") else {
                throw CommandAbort.exception("Exception", "\(option) \(entry) not in key=value form")
            }
            object[String(entry[..<equals])] = .string(String(entry[entry.index(after: equals)...]))
        }
        return .object(object)
    }

    /// `bdev_malloc_create`: `int(total_size_MiB * 1024 * 1024 // block_size)` with a float size.
    static func mallocBlockCount(sizeMiB: JSONValue, blockSize: JSONValue) throws -> JSONValue {
        guard case .double(let size) = sizeMiB, let blockSize = blockSize.int64Value else { return .null }
        guard blockSize != 0 else { throw CommandAbort.exception("ZeroDivisionError", "float floor division by zero") }
        let blocks = PythonNumberParser.floorDivide(size * 1024 * 1024, Double(blockSize))
        guard blocks.isFinite else {
            let detail =
                blocks.isNaN ? "cannot convert float NaN to integer" : "cannot convert float infinity to integer"
            throw CommandAbort.exception(blocks.isNaN ? "ValueError" : "OverflowError", detail)
        }
        if let exact = Int64(exactly: blocks) { return .integer(exact) }
        if let exact = UInt64(exactly: blocks) { return .unsignedInteger(exact) }
        throw CommandAbort.exception("OverflowError", "block count out of range")
    }

    /// `bdev_null_create`: `total_size_MiB * 1024 * 1024 // block_size` in Python integers.
    static func nullBlockCount(sizeMiB: JSONValue, blockSize: JSONValue) throws -> JSONValue {
        guard let size = sizeMiB.int64Value, let blockSize = blockSize.int64Value else { return .null }
        guard blockSize != 0 else {
            throw CommandAbort.exception("ZeroDivisionError", "integer division or modulo by zero")
        }
        let (bytes, overflow) = size.multipliedReportingOverflow(by: 1024 * 1024)
        guard !overflow else { throw CommandAbort.exception("OverflowError", "size out of range") }
        var quotient = bytes / blockSize
        if bytes % blockSize != 0, (bytes < 0) != (blockSize < 0) {
            quotient -= 1
        }
        return .integer(quotient)
    }
}
