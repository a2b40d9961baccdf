#!/usr/bin/env python3
"""Writes the seed corpora under Fuzz/Corpus/<target>/, following each target's input layout, and the
libFuzzer dictionaries Fuzz/Corpus/<target>.dict.

Run from anywhere: python3 Fuzz/make-corpus.py. The files are committed; rerun after changing a layout.
"""
import json
import pathlib
import struct

CORPUS = pathlib.Path(__file__).resolve().parent / "Corpus"


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def text(*pairs: str) -> bytes:
    return b"".join(pair.encode() + b"\0" for pair in pairs)


def pdu(opcode: int, flags: int, specific: bytes = b"", data: bytes = b"", ahs: bytes = b"",
        header_digest=False, data_digest=False) -> bytes:
    """A PDU: BHS bytes 0-3 (opcode, flags), lengths, then `specific` for bytes 8-47."""
    bhs = bytes([opcode, flags, 0, 0, len(ahs) // 4]) + len(data).to_bytes(3, "big")
    bhs += specific.ljust(40, b"\0")[:40]
    header = bhs + ahs
    out = header + (struct.pack("<I", crc32c(header)) if header_digest else b"")
    if data:
        padded = data + b"\0" * (-len(data) % 4)
        out += padded + (struct.pack("<I", crc32c(padded)) if data_digest else b"")
    return out


def write(target: str, name: str, content: bytes) -> None:
    directory = CORPUS / target
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_bytes(content)


LOGIN_TEXT = text("InitiatorName=iqn.2016-06.io.fuzz:initiator", "SessionType=Normal",
                  "TargetName=iqn.2016-06.io.spdk:disk1", "AuthMethod=None")
OPERATIONAL_TEXT = text("HeaderDigest=CRC32C,None", "DataDigest=None", "MaxRecvDataSegmentLength=262144",
                        "MaxBurstLength=1048576", "FirstBurstLength=65536", "InitialR2T=No",
                        "ImmediateData=Yes", "MaxConnections=1", "ErrorRecoveryLevel=0",
                        "DefaultTime2Wait=2", "DefaultTime2Retain=0", "MaxOutstandingR2T=1",
                        "DataPDUInOrder=Yes", "DataSequenceInOrder=Yes")
ISID = bytes([0x00, 0x02, 0x3D, 0x00, 0x00, 0x01])


def pdu_decoder() -> None:
    login = pdu(0x43, 0x81, ISID + b"\0\0" + struct.pack(">IHHII", 1, 0, 0, 1, 0), LOGIN_TEXT)
    read10 = bytes([0x28, 0, 0, 0, 0, 0, 0, 0, 8, 0]).ljust(16, b"\0")
    command = pdu(0x01, 0xC1, b"\0" * 8 + struct.pack(">IIII", 2, 4096, 2, 1) + read10)
    write10 = bytes([0x2A, 0, 0, 0, 0, 0, 0, 0, 1, 0]).ljust(16, b"\0")
    immediate = pdu(0x01, 0xA1, b"\0" * 8 + struct.pack(">IIII", 3, 512, 3, 1) + write10, b"\xAB" * 512)
    data_out = pdu(0x05, 0x80, b"\0" * 8 + struct.pack(">IIIIII", 3, 7, 0, 1, 0, 0), b"\xCD" * 100)
    nop = pdu(0x40, 0x80, b"\0" * 8 + struct.pack(">IIII", 4, 0xFFFFFFFF, 4, 1), b"ping")
    text_request = pdu(0x04, 0x80, b"\0" * 8 + struct.pack(">IIII", 5, 0xFFFFFFFF, 5, 1), text("SendTargets=All"))
    logout = pdu(0x46, 0x80, b"\0" * 8 + struct.pack(">IHHII", 6, 0, 0, 6, 1))
    ahs = pdu(0x01, 0xC1, b"\0" * 8 + struct.pack(">IIII", 7, 512, 7, 1) + read10, ahs=b"\x00\x04\x01\x00" + b"\0" * 4)
    write("FuzzPDUDecoder", "login", bytes([0x01, 0]) + login)
    write("FuzzPDUDecoder", "session", bytes([0x02, 0]) + command + immediate + data_out + nop + text_request + logout)
    write("FuzzPDUDecoder", "chunked", bytes([0x02, 7]) + command + ahs + nop)
    digests = [pdu(0x40, 0x80, b"\0" * 8 + struct.pack(">IIII", 4, 0xFFFFFFFF, 4, 1), b"digest!",
                   header_digest=True, data_digest=True),
               pdu(0x01, 0xA1, b"\0" * 8 + struct.pack(">IIII", 3, 512, 3, 1) + write10, b"\x11" * 512,
                   header_digest=True, data_digest=True)]
    write("FuzzPDUDecoder", "digests", bytes([0x0E, 0]) + b"".join(digests))


def login_request(flags: int, body: bytes, identity: int = 0) -> bytes:
    return bytes([flags, 0, identity]) + struct.pack(">H", len(body)) + body


def login() -> None:
    security_to_operational = 0x80 | 0 << 2 | 1
    operational_to_full = 0x80 | 1 << 2 | 3
    write("FuzzLogin", "normal", bytes([0x01, 0x00]) + login_request(security_to_operational, LOGIN_TEXT)
          + login_request(operational_to_full, OPERATIONAL_TEXT))
    write("FuzzLogin", "skip-security", bytes([0x00, 0x00]) + login_request(
        operational_to_full, LOGIN_TEXT.replace(b"AuthMethod=None\0", b"") + OPERATIONAL_TEXT))
    discovery = text("InitiatorName=iqn.2016-06.io.fuzz:initiator", "SessionType=Discovery", "AuthMethod=None")
    write("FuzzLogin", "discovery", bytes([0x01, 0x00]) + login_request(security_to_operational, discovery)
          + login_request(operational_to_full, text("HeaderDigest=None", "MaxRecvDataSegmentLength=8192")))
    write("FuzzLogin", "continued", bytes([0x0D, 0x00]) + login_request(0x40 | 1, LOGIN_TEXT[:30])
          + login_request(security_to_operational, LOGIN_TEXT[30:])
          + login_request(operational_to_full, text("HeaderDigest=CRC32C", "DataDigest=CRC32C")))
    write("FuzzLogin", "chap-required", bytes([0x02, 0x01]) + login_request(
        0x01, LOGIN_TEXT.replace(b"AuthMethod=None", b"AuthMethod=CHAP,None"))
        + login_request(security_to_operational, text("CHAP_A=5")))
    chap_response = text("CHAP_N=iqn.2016-06.io.fuzz:initiator", "CHAP_R=0x" + "00" * 16, "CHAP_I=7",
                         "CHAP_C=0x" + "5a" * 16)
    write("FuzzLogin", "chap-mutual", bytes([0x02, 0x0F]) + login_request(
        0x01, LOGIN_TEXT.replace(b"AuthMethod=None", b"AuthMethod=CHAP"))
        + login_request(0x01, text("CHAP_A=7,6,5")) + login_request(security_to_operational, chap_response))
    write("FuzzLogin", "chap-base64", bytes([0x01, 0x05]) + login_request(
        0x01, LOGIN_TEXT.replace(b"AuthMethod=None", b"AuthMethod=CHAP,None"))
        + login_request(0x01, text("CHAP_A=8,5")) + login_request(security_to_operational, text(
            "CHAP_N=iqn.2016-06.io.fuzz:initiator", "CHAP_R=0bAAAAAAAAAAAAAAAAAAAAAA==")))
    write("FuzzLogin", "refused", bytes([0x30, 0x00]) + login_request(security_to_operational, LOGIN_TEXT))


def command(cdb: bytes, lun: int = 0, read=False, write_=False, length=0, data: bytes = b"") -> bytes:
    flags = (1 if read else 0) | (2 if write_ else 0) | (1 << 2 if len(data) > 8 else 0)
    return cdb.ljust(16, b"\0") + bytes([lun, flags]) + struct.pack(">IH", length, len(data)) + data


def cdb() -> None:
    inquiry = command(bytes([0x12, 0, 0, 0, 0xFF, 0]), read=True, length=255)
    vpd = b"".join(command(bytes([0x12, 1, page, 0, 0xFF, 0]), read=True, length=255)
                   for page in (0x00, 0x80, 0x83, 0x86, 0xB0, 0xB1, 0xB2, 0x88))
    capacity = command(bytes([0x25]), read=True, length=8) + command(
        bytes([0x9E, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32]), read=True, length=32)
    write10 = command(bytes([0x2A, 0, 0, 0, 0, 1, 0, 0, 2, 0]), write_=True, length=1024, data=b"\x5A" * 1024)
    read10 = command(bytes([0x28, 0, 0, 0, 0, 1, 0, 0, 2, 0]), read=True, length=1024)
    read16 = command(bytes([0x88, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]), lun=1, read=True, length=4096)
    report_luns = command(bytes([0xA0, 0, 0, 0, 0, 0, 0, 0, 1, 0]), lun=2, read=True, length=256)
    mode_sense = command(bytes([0x1A, 0, 0x3F, 0, 0xFF]), read=True, length=255) + command(
        bytes([0x5A, 0, 0x3F, 0, 0, 0, 0, 0x10, 0]), read=True, length=4096)
    unmap_list = struct.pack(">HH4x", 22, 16) + struct.pack(">QI4x", 4, 8)
    unmap = command(bytes([0x42, 0, 0, 0, 0, 0, 0, 0, len(unmap_list)]), write_=True, length=len(unmap_list),
                    data=unmap_list)
    write_same = command(bytes([0x93, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 4]), write_=True, length=512,
                         data=b"\x77" * 512)
    compare = command(bytes([0x89, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1]), write_=True, length=1024,
                      data=b"\x5A" * 512 + b"\x33" * 512)
    misc = command(bytes([0x00])) + command(bytes([0x03, 0, 0, 0, 252]), read=True, length=252) + command(
        bytes([0x35])) + command(bytes([0x1B, 0, 0, 0, 1]))
    write("FuzzCDB", "inquiry", bytes([0]) + inquiry + vpd)
    write("FuzzCDB", "io", bytes([0]) + capacity + write10 + read10 + read16 + compare)
    write("FuzzCDB", "provisioning", bytes([0]) + unmap + write_same + misc)
    write("FuzzCDB", "attention", bytes([3]) + report_luns + mode_sense + inquiry + command(bytes([0x00]), lun=1))


def jsonrpc() -> None:
    def request(method, params=None, id_=1):
        body = {"jsonrpc": "2.0", "method": method, "id": id_}
        if params is not None:
            body["params"] = params
        return json.dumps(body).encode()

    write("FuzzJSONRPC", "builtin", bytes([3, 0]) + request("rpc_get_methods", {"current": True})
          + request("spdk_get_version", id_=2))
    write("FuzzJSONRPC", "params", bytes([3, 5]) + request(
        "fuzz_create_node", {"name": "disk1", "queue_depth": 64, "luns": [0, 1], "comment": {"a": [1.5, None]}})
        + request("fuzz_set_flag", {"enabled": True, "ratio": -1.25e3}, id_="x"))
    write("FuzzJSONRPC", "batch", bytes([3, 0]) + b'[' + request("spdk_get_version") + b',{"jsonrpc":"2.0",'
          b'"method":"fuzz_set_flag","params":{"enabled":false}},1]')
    write("FuzzJSONRPC", "invalid", bytes([2, 0]) + b'{"jsonrpc":"2.0","method":"nope","id":null} '
          b'{"jsonrpc":"1.0","id":[]} {"method":"rpc_get_methods","id":9007199254740993} "\\ud83d\\ude00"')


LOGIN_KEYS = ["HeaderDigest", "DataDigest", "MaxConnections", "SendTargets", "TargetName", "InitiatorName",
              "TargetAlias", "InitiatorAlias", "TargetAddress", "TargetPortalGroupTag", "InitialR2T",
              "ImmediateData", "MaxRecvDataSegmentLength", "MaxBurstLength", "FirstBurstLength",
              "DefaultTime2Wait", "DefaultTime2Retain", "MaxOutstandingR2T", "DataPDUInOrder",
              "DataSequenceInOrder", "ErrorRecoveryLevel", "SessionType", "AuthMethod", "CHAP_A", "CHAP_N",
              "CHAP_R", "CHAP_I", "CHAP_C", "OFMarker", "IFMarker", "OFMarkInt", "IFMarkInt"]
LOGIN_VALUES = ["None", "CRC32C", "CHAP", "Yes", "No", "Normal", "Discovery", "NotUnderstood", "Irrelevant",
                "Reject", "All", "0x", "0b", "0B", "==", "512", "65536", "16777215", "4294967296", ","]
JSON_TOKENS = ['"jsonrpc"', '"2.0"', '"method"', '"params"', '"id"', '"rpc_get_methods"', '"spdk_get_version"',
               '"fuzz_create_node"', '"fuzz_set_flag"', '"name"', '"queue_depth"', '"luns"', '"comment"',
               '"enabled"', '"ratio"', '"current"', '"include_aliases"', "true", "false", "null", "\\u", "1e308",
               "-0", "18446744073709551616", "[", "]", "{", "}", ":", ","]


def dictionary(target: str, entries: list) -> None:
    lines = ['"%s"' % "".join("\\x%02X" % b if b < 0x20 or b in b'"\\' else chr(b) for b in entry.encode())
             for entry in entries]
    (CORPUS / (target + ".dict")).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    dictionary("FuzzLogin", [key + "=" for key in LOGIN_KEYS] + LOGIN_VALUES)
    dictionary("FuzzJSONRPC", JSON_TOKENS)
    pdu_decoder()
    login()
    cdb()
    jsonrpc()
