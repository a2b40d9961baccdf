import BlockDevice
import Testing

@testable import ISCSITarget

@Suite struct MetricsExpositionTests {
    @Test(arguments: [
        (UInt64(0), "0"), (10_000, "0.00001"), (2_500_000, "0.0025"), (1_000_000_000, "1"), (2_500_000_000, "2.5"),
        (1_234_567_891, "1.234567891"),
    ])
    func secondsAreExactDecimals(nanoseconds: UInt64, text: String) {
        #expect(PrometheusExposition.seconds(nanoseconds: nanoseconds) == text)
    }

    @Test func labelValuesAreEscaped() {
        #expect(PrometheusExposition.escaped("a\\b\"c\nd") == "a\\\\b\\\"c\\nd")
    }

    @Test(arguments: [
        (UInt64(0), 0), (10_000, 0), (10_001, 1), (99_999, 3), (100_000, 3), (10_000_000_000, 18), (.max, 19),
    ])
    func latencyBuckets(nanoseconds: UInt64, bucket: Int) {
        #expect(CommandCounters.bucketIndex(ofNanoseconds: nanoseconds) == bucket)
    }

    @Test func bucketIndexMatchesTheBounds() {
        #expect(CommandCounters.bucketBoundsNanoseconds.count + 1 == CommandCounters().latencyBuckets.count)
        for (index, bound) in CommandCounters.bucketBoundsNanoseconds.enumerated() {
            #expect(CommandCounters.bucketIndex(ofNanoseconds: bound) == index)
            #expect(CommandCounters.bucketIndex(ofNanoseconds: bound + 1) == index + 1)
        }
    }

    @Test func countersAdd() {
        var total = CommandCounters()
        total.record(readBytes: 4096, writtenBytes: 0, isError: false, latencyNanoseconds: 40_000)
        var other = CommandCounters()
        other.record(readBytes: 0, writtenBytes: 512, isError: true, latencyNanoseconds: 3_000_000)
        total += other
        #expect(total.commands == 2 && total.readBytes == 4096 && total.writtenBytes == 512 && total.errors == 1)
        #expect(total.latencySumNanoseconds == 3_040_000)
        #expect(total.latencyBuckets[2] == 1 && total.latencyBuckets[8] == 1)
        #expect(total.latencyBuckets.indices.reduce(0) { $0 + total.latencyBuckets[$1] } == 2)
    }

    @Test func renderPrintsEveryFamilyWithCumulativeBuckets() {
        var counters = CommandCounters()
        counters.record(readBytes: 4096, writtenBytes: 0, isError: false, latencyNanoseconds: 20_000)
        counters.record(readBytes: 0, writtenBytes: 8192, isError: false, latencyNanoseconds: 700_000)
        counters.record(readBytes: 0, writtenBytes: 0, isError: true, latencyNanoseconds: 20_000_000_000)
        let key = MetricSeriesKey(target: "iqn.2016-06.io.spdk:disk1", initiator: "iqn.x\"y", logicalUnit: 1)
        let lines = PrometheusExposition.render([key: counters]).split(separator: "\n").map(String.init)
        let labels = #"target="iqn.2016-06.io.spdk:disk1",initiator="iqn.x\"y",lun="1""#
        #expect(lines.contains("# TYPE iscsi_scsi_commands_total counter"))
        #expect(lines.contains("iscsi_scsi_commands_total{\(labels)} 3"))
        #expect(lines.contains("iscsi_scsi_read_bytes_total{\(labels)} 4096"))
        #expect(lines.contains("iscsi_scsi_written_bytes_total{\(labels)} 8192"))
        #expect(lines.contains("iscsi_scsi_errors_total{\(labels)} 1"))
        #expect(lines.contains("# TYPE iscsi_scsi_command_duration_seconds histogram"))
        let name = "iscsi_scsi_command_duration_seconds"
        #expect(lines.contains("\(name)_bucket{\(labels),le=\"0.00001\"} 0"))
        #expect(lines.contains("\(name)_bucket{\(labels),le=\"0.000025\"} 1"))
        #expect(lines.contains("\(name)_bucket{\(labels),le=\"0.001\"} 2"))
        #expect(lines.contains("\(name)_bucket{\(labels),le=\"10\"} 2"))
        #expect(lines.contains("\(name)_bucket{\(labels),le=\"+Inf\"} 3"))
        #expect(lines.contains("\(name)_sum{\(labels)} 20.00072"))
        #expect(lines.contains("\(name)_count{\(labels)} 3"))
        #expect(lines.count == 4 * 3 + 2 + 20 + 2)
    }

    @Test func seriesAreSortedByTargetInitiatorAndLUN() {
        let keys = [
            MetricSeriesKey(target: "b", initiator: "a", logicalUnit: 0),
            MetricSeriesKey(target: "a", initiator: "b", logicalUnit: 0),
            MetricSeriesKey(target: "a", initiator: "a", logicalUnit: 2),
            MetricSeriesKey(target: "a", initiator: "a", logicalUnit: 1),
        ]
        var series: [MetricSeriesKey: CommandCounters] = [:]
        for key in keys {
            series[key] = CommandCounters()
        }
        let commandLines = PrometheusExposition.render(series).split(separator: "\n")
            .filter { $0.hasPrefix("iscsi_scsi_commands_total{") }
        #expect(
            commandLines == [
                #"iscsi_scsi_commands_total{target="a",initiator="a",lun="1"} 0"#,
                #"iscsi_scsi_commands_total{target="a",initiator="a",lun="2"} 0"#,
                #"iscsi_scsi_commands_total{target="a",initiator="b",lun="0"} 0"#,
                #"iscsi_scsi_commands_total{target="b",initiator="a",lun="0"} 0"#,
            ]
        )
    }

    @Test func blockDeviceFamiliesHaveASeriesPerDeviceAndKind() {
        var statistics = BlockIOAccounting.Statistics.zero
        statistics.read = .init(
            operations: 3,
            bytes: 12288,
            latencyTicks: 2_500_000,
            maximumLatencyTicks: 0,
            minimumLatencyTicks: 0
        )
        statistics.unmap.operations = 1
        let text = PrometheusExposition.render(devices: [("Z", .zero), ("Malloc\"0", statistics)])
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.hasPrefix("# TYPE") }.count == 3)
        #expect(
            lines.filter { $0.hasPrefix("iscsi_bdev_operations_total{") } == [
                #"iscsi_bdev_operations_total{bdev="Malloc\"0",kind="read"} 3"#,
                #"iscsi_bdev_operations_total{bdev="Malloc\"0",kind="write"} 0"#,
                #"iscsi_bdev_operations_total{bdev="Malloc\"0",kind="unmap"} 1"#,
                #"iscsi_bdev_operations_total{bdev="Z",kind="read"} 0"#,
                #"iscsi_bdev_operations_total{bdev="Z",kind="write"} 0"#,
                #"iscsi_bdev_operations_total{bdev="Z",kind="unmap"} 0"#,
            ]
        )
        #expect(lines.contains(#"iscsi_bdev_bytes_total{bdev="Malloc\"0",kind="read"} 12288"#))
        #expect(lines.contains(#"iscsi_bdev_latency_seconds_total{bdev="Malloc\"0",kind="read"} 0.0025"#))
    }

    @Test func scrapesReportTheRegistryDevices() throws {
        let devices = BlockDeviceRegistry()
        let device = try MallocBlockDevice(.init(name: "M0", blockCount: 8, blockSize: 512))
        try devices.register(device)
        _ = device.ioAccounting?.record(.write, bytes: 1024, latencyNanoseconds: 10)
        let reported = ISCSIMetrics(blockDevices: devices).deviceStatistics()
        #expect(reported.map(\.name) == ["M0"])
        #expect(reported.first?.statistics.write.bytes == 1024)
        #expect(ISCSIMetrics().deviceStatistics().isEmpty)
    }
}
