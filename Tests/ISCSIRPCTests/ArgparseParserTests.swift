import JSONRPC
import Testing

@testable import iscsi_rpc

@Suite("argparse-compatible parsing")
struct ArgparseParserTests {
    private let syntax = CommandSyntax(
        arguments: [
            .positional("name", help: "n"),
            .optionalPositional("size", .integer, help: "s"),
            .option("-o", "--nop-timeout", type: .integer, help: "o"),
            .option("-n", "--node-base", help: "b"),
            .flag("-d", "--disable-chap", help: "d"),
            .flag("-r", "--require-chap", help: "r"),
            .flag("-m", "--mutual-chap", help: "m"),
            .toggle("--histogram", destination: "enable", help: "h"),
            .option("-t", type: .integer, choices: [0, 1], help: "t"),
            .option("-l", type: .split(separator: " "), defaultValue: [], help: "l"),
        ],
        exclusiveGroups: [["disable_chap", "require_chap"]]
    )

    private func parse(_ strings: [String]) throws -> ParsedArguments {
        let result = try ArgparseParser(syntax: syntax).parse(strings)
        #expect(result.extras.isEmpty)
        return result.arguments
    }

    private func usageError(_ strings: [String]) -> String? {
        do {
            _ = try ArgparseParser(syntax: syntax).parse(strings)
            return nil
        } catch {
            return (error as? UsageError)?.message
        }
    }

    @Test func defaultsMirrorRpcPy() throws {
        let parsed = try parse(["x"])
        #expect(parsed["name"] == "x")
        #expect(parsed["size"] == .null)
        #expect(parsed["disable_chap"] == false)
        #expect(parsed["enable"] == .null)
        #expect(parsed["l"] == [])
    }

    @Test func optionsMayComeBeforeAndAfterPositionals() throws {
        let parsed = try parse(["-d", "x", "9", "--nop-timeout", "5"])
        #expect(parsed["name"] == "x")
        #expect(parsed["size"] == 9)
        #expect(parsed["nop_timeout"] == 5)
        // As in argparse, the optional positional is settled by the first run of positionals.
        let result = try ArgparseParser(syntax: syntax).parse(["-d", "x", "--nop-timeout", "5", "7"])
        #expect(result.extras == ["7"])
    }

    @Test func gluedValuesClustersAndPrefixes() throws {
        let parsed = try parse(["x", "-o5", "--node-base=iqn", "-dm", "--nop", "6", "--no-histogram", "-l", "a  b"])
        #expect(parsed["nop_timeout"] == 6)
        #expect(parsed["node_base"] == "iqn")
        #expect(parsed["disable_chap"] == true)
        #expect(parsed["mutual_chap"] == true)
        #expect(parsed["enable"] == false)
        #expect(parsed["l"] == ["a", "", "b"])
    }

    @Test func negativeNumbersAreValues() throws {
        #expect(try parse(["x", "-o", "-1"])["nop_timeout"] == -1)
    }

    @Test func errorsUseArgparseWording() {
        #expect(usageError([]) == "the following arguments are required: name")
        #expect(usageError(["x", "-o"]) == "argument -o/--nop-timeout: expected one argument")
        #expect(usageError(["x", "-o", "y"]) == "argument -o/--nop-timeout: invalid int value: 'y'")
        #expect(
            usageError(["x", "-d", "-r"]) == "argument -r/--require-chap: not allowed with argument -d/--disable-chap"
        )
        #expect(usageError(["x", "-t", "5"]) == "argument -t: invalid choice: 5 (choose from 0, 1)")
        #expect(
            usageError(["x", "--n", "1"])
                == "ambiguous option: --n could match --nop-timeout, --node-base, --no-histogram"
        )
        #expect(usageError(["x", "--disable-chap=1"]) == "argument -d/--disable-chap: ignored explicit argument '1'")
    }

    @Test func unknownOptionsAreExtras() throws {
        let result = try ArgparseParser(syntax: syntax).parse(["x", "--bogus", "--", "-d"])
        #expect(result.extras == ["--bogus", "--", "-d"])
        #expect(result.arguments["size"] == .null)
    }

    @Test func helpIsReported() {
        #expect(throws: HelpRequested.self) { try ArgparseParser(syntax: syntax).parse(["-h"]) }
    }

    @Test func globalParsingStopsAtTheMethodName() throws {
        let result = try ArgparseParser(syntax: GlobalOptions.syntax).parse(
            ["-s", "/tmp/sock", "-v", "iscsi_set_options", "-s", "1"],
            stoppingAtFirstPositional: true
        )
        #expect(result.arguments["server_addr"] == "/tmp/sock")
        #expect(result.arguments["verbose"] == "INFO")
        #expect(result.remainder == ["iscsi_set_options", "-s", "1"])
    }

    @Test func usageWrapsLikeArgparse() throws {
        let command = try #require(CommandTable.command(named: "iscsi_create_target_node"))
        let usage = HelpFormatter(prog: "spdk-rpc [options] iscsi_create_target_node", width: 78)
            .usage(for: command.syntax)
        let expected = """
            usage: spdk-rpc [options] iscsi_create_target_node [-h] [-g CHAP_GROUP]
                                                               [-d | -r] [-m] [-H] [-D]
                                                               name alias_name luns
                                                               pg_ig_maps queue_depth
            """
        #expect(usage == expected)
    }

    @Test func helpColumnFollowsTheLongestInvocation() throws {
        let command = try #require(CommandTable.command(named: "iscsi_delete_portal_group"))
        let help = HelpFormatter(prog: "iscsi-rpc [options] iscsi_delete_portal_group", width: 78)
            .help(for: command.syntax, description: nil)
        let expected = """
            usage: iscsi-rpc [options] iscsi_delete_portal_group [-h] tag

            positional arguments:
              tag         Portal group tag (integer)

            options:
              -h, --help  show this help message and exit

            """
        #expect(help == expected)
    }
}
