// swift-tools-version: 6.1
import PackageDescription

// libFuzzer supplies `main`, so each fuzz target is compiled as a library-style executable.
let fuzzTargetSettings: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]
let nioCore = Target.Dependency.product(name: "NIOCore", package: "swift-nio")
/// A module of the target package, exported there as a library product.
func iscsiModule(_ name: String) -> Target.Dependency {
    .product(name: name, package: "swift-iscsi-target")
}

/// libFuzzer targets for the code that parses peer input. Build with
/// `swift build -c release --sanitize=fuzzer --package-path Fuzz`; `Tests/EndToEnd/fuzz.sh` builds and runs them.
let package = Package(
    name: "ISCSIFuzz",
    dependencies: [
        .package(name: "swift-iscsi-target", path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        // Carving typed values out of a fuzzer's byte string.
        .target(name: "FuzzSupport"),
        // Bytes → ISCSIPDUDecoder (limits, digests), every PDU re-encoded and decoded again.
        .executableTarget(
            name: "FuzzPDUDecoder",
            dependencies: ["FuzzSupport", iscsiModule("ISCSIWire"), nioCore],
            swiftSettings: fuzzTargetSettings
        ),
        // Bytes → a sequence of Login Requests into LoginStateMachine and its KeyNegotiator.
        .executableTarget(
            name: "FuzzLogin",
            dependencies: ["FuzzSupport", iscsiModule("ISCSIProtocol")],
            swiftSettings: fuzzTargetSettings
        ),
        // Bytes → CDBs, transfer lengths and data-out into SCSIDevice over small Malloc logical units.
        .executableTarget(
            name: "FuzzCDB",
            dependencies: ["FuzzSupport", iscsiModule("SCSI"), iscsiModule("BlockDevice"), nioCore],
            swiftSettings: fuzzTargetSettings
        ),
        // Bytes → JSONValueFramer, JSONValue.parse and RPCMethodTable.respond.
        .executableTarget(
            name: "FuzzJSONRPC",
            dependencies: ["FuzzSupport", iscsiModule("JSONRPC"), nioCore],
            swiftSettings: fuzzTargetSettings
        ),
    ]
)
