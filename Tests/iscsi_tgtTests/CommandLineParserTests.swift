import Testing

@testable import iscsi_tgt

@Suite struct CommandLineParserTests {
    let parser = CommandLineParser(knownLogFlags: ["rpc", "iscsi", "scsi"])

    func options(_ arguments: [String]) -> AppOptions? {
        guard case .run(let options) = parser.parse(arguments) else { return nil }
        return options
    }

    func failure(_ arguments: [String]) -> String? {
        guard case .failure(let message) = parser.parse(arguments) else { return nil }
        return message
    }

    @Test func defaultsMatchSPDK() throws {
        let parsed = try #require(options([]))
        #expect(parsed == AppOptions())
        #expect(parsed.rpcSocketPath == "/var/tmp/spdk.sock")
        #expect(parsed.sharedMemoryID == -1)
        #expect(parsed.coreMask == nil)
    }

    @Test(arguments: [["-m", "0x3"], ["-m0x3"], ["--cpumask=0x3"], ["--cpumask", "0x3"], ["--cpu", "0x3"]])
    func coreMaskSpellings(arguments: [String]) throws {
        #expect(try #require(options(arguments)).coreMask == "0x3")
    }

    @Test func repeatedLogFlagsAndClusteredShortOptions() throws {
        let parsed = try #require(options(["-L", "rpc", "-Liscsi", "--logflag=all", "-du", "-b"]))
        #expect(parsed.logFlags == ["rpc", "iscsi", "all"])
        #expect(parsed.daemonize)
    }

    @Test func configAutosavePath() throws {
        #expect(
            try #require(options(["--config-autosave", "/var/lib/tgt.json"])).configAutosavePath == "/var/lib/tgt.json"
        )
        #expect(try #require(options(["--config-autosave=/x.json", "-c", "/y.json"])).configFile == "/y.json")
    }

    @Test func metricsEndpoint() throws {
        #expect(try #require(options([])).metricsEndpoint == nil)
        let endpoint = try #require(options(["--metrics", "127.0.0.1:9100"])?.metricsEndpoint)
        #expect(endpoint.host == "127.0.0.1" && endpoint.port == 9100)
        let ipv6 = try #require(options(["--metrics=[::1]:9100"])?.metricsEndpoint)
        #expect(ipv6.host == "::1" && ipv6.description == "[::1]:9100")
        for bad in ["127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536", ":9100", "::1:9100", "host:port"] {
            #expect(failure(["--metrics", bad]) == "Invalid --metrics address \(bad): expected HOST:PORT")
        }
    }

    @Test func unknownLogFlagFails() {
        #expect(failure(["-L", "nope"]) == "unknown flag: nope")
    }

    @Test func helpAndVersionStopParsing() {
        #expect(parser.parse(["-h", "--bogus"]) == .showUsage)
        #expect(parser.parse(["--version"]) == .showVersion)
        #expect(parser.parse(["-v"]) == .showVersion)
    }

    @Test func badOptionsFail() {
        #expect(failure(["-x"]) == "invalid option -- 'x'")
        #expect(failure(["--bogus"]) == "unrecognized option '--bogus'")
        #expect(failure(["--no"]) == "option '--no' is ambiguous")
        #expect(failure(["-m"]) == "option requires an argument -- 'm'")
        #expect(failure(["--cpumask"]) == "option '--cpumask' requires an argument")
        #expect(failure(["--wait-for-rpc=1"]) == "option '--wait-for-rpc' doesn't allow an argument")
        #expect(failure(["-p", "-1"]) == "Invalid main core -1")
        #expect(failure(["-p", "core"]) == "Invalid main core core")
        #expect(failure(["-A", "0000:01:00.0", "-B", "0000:02:00.0"]) == "-B and -A cannot be used at the same time")
        #expect(failure(["-m", "0x1", "--lcores", "0"]) == "lcore map and core mask can't be set simultaneously")
        #expect(failure(["--num-trace-entries", "3"]) == "num-trace-entries must be power of 2")
        #expect(failure(["-s", "lots"]) == "invalid memory pool size `-s lots`")
    }

    @Test func rpcServerOptions() throws {
        let parsed = try #require(
            options(["-r", "/tmp/a.sock", "--wait-for-rpc", "--rpcs-allowed", "rpc_get_methods,spdk_get_version"])
        )
        #expect(parsed.rpcSocketPath == "/tmp/a.sock")
        #expect(parsed.waitForRPC)
        #expect(parsed.rpcsAllowed == ["rpc_get_methods", "spdk_get_version"])
        #expect(try #require(options(["--no-rpc-server"])).rpcSocketPath == nil)
    }

    @Test func stateDirectory() throws {
        #expect(try #require(options([])).stateDirectory == "/var/lib/iscsi_tgt")
        #expect(try #require(options(["--state-dir", "/tmp/pr"])).stateDirectory == "/tmp/pr")
        #expect(try #require(options(["--state-dir=/srv/state"])).stateDirectory == "/srv/state")
        #expect(failure(["--state-dir"]) != nil)
    }

    @Test func configOptions() throws {
        #expect(try #require(options(["-c", "a.json"])).configFile == "a.json")
        #expect(try #require(options(["--json", "b.json"])).configFile == "b.json")
        #expect(try #require(options(["--config=c.json", "--json-ignore-init-errors"])).ignoreConfigErrors)
    }

    @Test func numbersFollowSPDK() throws {
        #expect(try #require(options(["-i", "-1"])).sharedMemoryID == -1)
        #expect(try #require(options(["-i", "0x10"])).sharedMemoryID == 16)
        #expect(try #require(options(["-s", "1G"])).memorySizeMiB == 1024)
        #expect(try #require(options(["-s", "512"])).memorySizeMiB == 512)
        #expect(try #require(options(["-p", "1"])).mainCore == 1)
    }

    @Test func acceptedAndIgnoredOptions() throws {
        let ignored = [
            "-n", "4", "-u", "-R", "-g", "--no-huge", "--huge-dir", "/mnt", "--iova-mode", "va",
            "--base-virtaddr", "0x200000000000", "--env-context", "x", "--vfio-vf-token", "t",
            "--msg-mempool-size", "1024", "--interrupt-mode", "--enforce-numa", "-d", "-e", "0xFFFF",
            "--num-trace-entries", "0", "--silence-noticelog", "--disable-cpumask-locks",
        ]
        let parsed = try #require(options(ignored))
        #expect(parsed.silenceNoticeLog)
        #expect(parsed.disableCoreLocks)
        #expect(parsed.tracepointGroups == "0xFFFF")
    }

    @Test func lcoresBecomeACoreList() throws {
        #expect(try #require(options(["--lcores", "(0-1)@2,3"])).coreMask == "[0-1,3]")
    }

    @Test func doubleDashEndsOptions() throws {
        #expect(try #require(options(["--", "-x"])) == AppOptions())
    }
}
