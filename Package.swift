// swift-tools-version: 6.1
import PackageDescription

let nioCore = Target.Dependency.product(name: "NIOCore", package: "swift-nio")
let nioPosix = Target.Dependency.product(name: "NIOPosix", package: "swift-nio")
let nioHTTP1 = Target.Dependency.product(name: "NIOHTTP1", package: "swift-nio")
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
let crypto = Target.Dependency.product(name: "Crypto", package: "swift-crypto")

let package = Package(
    name: "swift-iscsi-target",
    products: [
        .executable(name: "iscsi_tgt", targets: ["iscsi_tgt"]),
        .executable(name: "iscsi-rpc", targets: ["iscsi-rpc"]),
        // Libraries for the Fuzz/ package, which builds its fuzz targets on these modules.
        .library(name: "ISCSIWire", targets: ["ISCSIWire"]),
        .library(name: "ISCSIProtocol", targets: ["ISCSIProtocol"]),
        .library(name: "BlockDevice", targets: ["BlockDevice"]),
        .library(name: "SCSI", targets: ["SCSI"]),
        .library(name: "JSONRPC", targets: ["JSONRPC"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
    ],
    targets: [
        // CRC32C for header and data digests: SSE4.2 with a portable fallback.
        .target(name: "CCRC32C"),
        // pwritev2/RWF_DSYNC, fallocate and block-device ioctls for file-backed block devices.
        .target(name: "CFileIO"),
        // io_uring over its raw system calls (one ring per thread) for O_DIRECT file-backed block devices.
        .target(name: "CUring"),
        // librados/librbd (Ceph RBD) loaded at run time with dlopen, so no Ceph is needed to build or start.
        .target(name: "CLibRBD", linkerSettings: [.linkedLibrary("dl")]),
        // A small index per thread (initial-exec TLS) for the per-loop shards of the block I/O statistics.
        .target(name: "CThreadIndex"),
        // iSCSI PDUs, their codec, text segments and digests.
        .target(name: "ISCSIWire", dependencies: ["CCRC32C", nioCore]),
        // Login and negotiation state machines: pure value types, no I/O.
        .target(name: "ISCSIProtocol", dependencies: ["ISCSIWire", nioCore, crypto]),
        // The BlockDevice protocol, Malloc, Null, file (aio, io_uring), RBD, delay and error devices, and their registry.
        .target(name: "BlockDevice", dependencies: ["CFileIO", "CLibRBD", "CThreadIndex", "CUring", nioCore]),
        // SCSI (SPC/SBC) emulation of a logical unit over a BlockDevice.
        .target(name: "SCSI", dependencies: ["BlockDevice", nioCore]),
        // JSON-RPC 2.0 over a Unix socket, SPDK-compatible.
        .target(name: "JSONRPC", dependencies: [nioCore, nioPosix, logging]),
        // Portal groups, initiator groups, target nodes, sessions, connections and their RPC methods.
        .target(
            name: "ISCSITarget",
            dependencies: [
                "ISCSIWire", "ISCSIProtocol", "SCSI", "BlockDevice", "JSONRPC", nioCore, nioPosix, nioHTTP1, logging,
            ]
        ),
        .executableTarget(name: "iscsi_tgt", dependencies: ["ISCSITarget", "JSONRPC", nioCore, nioPosix, logging]),
        .executableTarget(name: "iscsi-rpc", dependencies: ["JSONRPC", nioCore, nioPosix]),
        .testTarget(name: "ISCSIRPCTests", dependencies: ["iscsi-rpc", "JSONRPC"]),
        .testTarget(
            name: "ISCSIWireTests",
            dependencies: ["ISCSIWire", "CCRC32C", nioCore, .product(name: "NIOTestUtils", package: "swift-nio")]
        ),
        .testTarget(name: "ISCSIProtocolTests", dependencies: ["ISCSIProtocol", "ISCSIWire", nioCore]),
        .testTarget(name: "BlockDeviceTests", dependencies: ["BlockDevice", "CUring", nioCore]),
        .testTarget(name: "SCSITests", dependencies: ["SCSI", "BlockDevice", nioCore, nioPosix]),
        .testTarget(
            name: "JSONRPCTests",
            dependencies: [
                "JSONRPC", nioCore, .product(name: "NIOTestUtils", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "iscsi_tgtTests",
            dependencies: ["iscsi_tgt", "ISCSITarget", "JSONRPC", nioCore, nioPosix, logging]
        ),
        .testTarget(
            name: "ISCSITargetTests",
            dependencies: [
                "ISCSITarget", "ISCSIWire", "JSONRPC", "BlockDevice", "SCSI", nioCore, nioPosix, nioHTTP1, logging,
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
    ]
)
