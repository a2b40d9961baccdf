/// The `-h` text and the `-v` line.
enum Usage {
    /// The version this target emulates, as `-v` and `spdk_get_version` report it.
    static let versionLine = "SPDK v26.09-pre"

    /// The help text, listing every accepted option.
    static func text(executable: String, logFlags: [String]) -> String {
        """
        \(executable) [options]

        CPU options:
         -m, --cpumask <mask or list>    cores to run on: hex mask (0x3) or list with ranges ([0,2-3]); default 0x1
             --lcores <map>              DPDK lcore map; only the lcore ids are used (exclusive with -m)
         -p, --main-core <id>            core of the app thread (must be in the mask)
             --disable-cpumask-locks     do not lock /var/tmp/spdk_cpu_lock_NNN for the cores in use
             --interrupt-mode            accepted, ignored

        Configuration options:
         -c, --config, --json <file>     JSON configuration file to load at startup
         -r, --rpc-socket <path>         RPC Unix socket (default \(AppOptions.defaultRPCSocketPath))
             --no-rpc-server             do not start the RPC server
             --wait-for-rpc              initialize subsystems only on framework_start_init
             --rpcs-allowed <a,b,...>    only these RPC methods may be called
             --json-ignore-init-errors   log failing configuration entries and go on
             --state-dir <path>          keep persistent reservations (APTPL) here (default /var/lib/iscsi_tgt)
             --config-autosave <file>    load <file> at startup if it exists (instead of -c); rewrite it
                                         atomically after every RPC that changes the configuration
             --metrics <host:port>       serve Prometheus metrics on http://<host:port>/metrics (off by default)

        Memory options:
         -s, --mem-size <size>           MiB or with unit (1G); checked, not yet a cap on block-device memory
         -i, --shm-id <id>               shared memory id (negative: none)
             --no-huge, -R, --huge-unlink, -g, --single-file-segments, -n, --mem-channels <num>,
             --huge-dir <path>, --iova-mode <pa|va>, --base-virtaddr <addr>, --msg-mempool-size <num>,
             --enforce-numa              accepted for compatibility, no effect

        PCI options (accepted, no effect):
         -A, --pci-allowed <bdf>, -B, --pci-blocked <bdf> (not both), -u, --no-pci, --vfio-vf-token <uuid>

        Log options:
         -L, --logflag <flag>            enable debug output of a component (repeatable); flags:
                                         \(wrapped(["all"] + logFlags, indent: 33))
             --silence-noticelog         print warnings and errors only

        Trace options (accepted, tracing not implemented):
         -e, --tpoint-group <groups>, --num-trace-entries <power of 2>

        Other options:
         -b                              run as a daemon
         -d, --limit-coredump            accepted, no effect
             --env-context <text>        accepted, no effect
         -h, --help                      show this text
         -v, --version                   print the version

        """
    }

    /// A comma-separated list broken into lines of at most 100 columns, continuation lines indented.
    private static func wrapped(_ words: [String], indent: Int) -> String {
        var lines: [String] = [""]
        for word in words {
            let item = word == words.last ? word : word + ","
            if let last = lines.last, !last.isEmpty, indent + last.count + 1 + item.count > 100 {
                lines.append(item)
            } else {
                lines[lines.count - 1] += (lines[lines.count - 1].isEmpty ? "" : " ") + item
            }
        }
        return lines.joined(separator: "\n" + String(repeating: " ", count: indent))
    }
}
