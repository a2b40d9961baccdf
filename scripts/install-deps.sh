#!/usr/bin/env bash
# Installs what the tests, the end-to-end suites and the benchmark need on a fresh Debian 12 machine
# (root, apt and PyPI reachable). Idempotent: installs only what is missing and runs `apt-get update`
# at most once per run, and only when something has to be installed.
#
#   scripts/install-deps.sh                     libiscsi, QEMU block tools, tgt, jq, spdk-rpc, ...
#   scripts/install-deps.sh --kernel-initiator  also the Linux-kernel-initiator guest (qemu-system,
#                                               open-iscsi, fio, ...) and builds its cached image
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SPDK_PYPI_VERSION=26.9
KERNEL_INITIATOR=false

usage() {
    sed -n '2,8s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

while [ $# -gt 0 ]; do
    case "$1" in
        --kernel-initiator) KERNEL_INITIATOR=true ;;
        -h | --help) usage; exit 0 ;;
        *) echo "install-deps: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

log() { echo "install-deps: $*"; }

SUDO=
if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "install-deps: needs root (or sudo)" >&2; exit 1; }
    SUDO=sudo
fi

# Debian packages: libiscsi-bin (iscsi-ls, iscsi-inq, iscsi-readcapacity16, iscsi-test-cu, iscsi-perf),
# qemu-utils + qemu-block-extra (qemu-io / qemu-img with the iscsi:// driver), tgt (the comparison
# target of the benchmark) and tgt-rbd (its Ceph RBD backing store, for Benchmarks/rbd), jq, python3
# with pip and venv, procps (pgrep/ps), iproute2 (ss), util-linux (flock, setsid), coreutils (timeout).
BASE_PACKAGES=(
    libiscsi-bin qemu-utils qemu-block-extra tgt tgt-rbd jq python3 python3-pip python3-venv
    procps iproute2 util-linux coreutils ca-certificates
)
# The kernel-initiator guest (../shared/tools/kernel-initiator/README.md).
KERNEL_PACKAGES=(qemu-system-x86 open-iscsi e2fsprogs fio kmod cpio zstd)

missing_packages() {
    local package
    for package in "$@"; do
        if ! dpkg-query -W -f='${Status}\n' "$package" 2>/dev/null | grep -q '^install ok installed$'; then
            echo "$package"
        fi
    done
}

APT_UPDATED=false
apt_install() {
    local missing
    mapfile -t missing < <(missing_packages "$@")
    if [ ${#missing[@]} -eq 0 ]; then
        return 0
    fi
    if ! $APT_UPDATED; then
        log "apt-get update"
        $SUDO apt-get update -qq
        APT_UPDATED=true
    fi
    log "apt-get install ${missing[*]}"
    # tgt and open-iscsi ship services (tgtd would take port 3260, which the seed uses): keep the
    # package scripts from starting them, as container images do, unless a policy is already in place.
    local policy=/usr/sbin/policy-rc.d added_policy=false
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
        $SUDO chmod 755 "$policy"
        added_policy=true
    fi
    local status=0
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" \
        >/dev/null || status=$?
    if $added_policy; then
        $SUDO rm -f "$policy"
    fi
    return $status
}

# spdk-rpc (SPDK's rpc.py, from PyPI). The python3 on PATH may be a pyenv or venv interpreter (pip
# installs freely) or Debian's (PEP 668 "externally managed": then use a private venv).
SPDK_VENV=/opt/spdk-rpc-venv
install_spdk_rpc() {
    if command -v spdk-rpc >/dev/null 2>&1 && spdk-rpc --help >/dev/null 2>&1; then
        return 0
    fi
    log "pip install spdk==$SPDK_PYPI_VERSION"
    if python3 -m pip install -q "spdk==$SPDK_PYPI_VERSION" 2>/tmp/install-deps-pip.log; then
        if command -v pyenv >/dev/null 2>&1; then
            pyenv rehash
        fi
        local scripts
        scripts=$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')
        if ! command -v spdk-rpc >/dev/null 2>&1 && [ -x "$scripts/spdk-rpc" ]; then
            $SUDO ln -sf "$scripts/spdk-rpc" /usr/local/bin/spdk-rpc
        fi
    elif grep -q externally-managed /tmp/install-deps-pip.log; then
        log "python3 is externally managed: installing into $SPDK_VENV"
        $SUDO python3 -m venv "$SPDK_VENV"
        $SUDO "$SPDK_VENV/bin/pip" install -q "spdk==$SPDK_PYPI_VERSION"
        $SUDO ln -sf "$SPDK_VENV/bin/spdk-rpc" /usr/local/bin/spdk-rpc
    else
        cat /tmp/install-deps-pip.log >&2
        return 1
    fi
    command -v spdk-rpc >/dev/null 2>&1 || { echo "install-deps: spdk-rpc is not on PATH" >&2; return 1; }
}

apt_install "${BASE_PACKAGES[@]}"
install_spdk_rpc

if $KERNEL_INITIATOR; then
    apt_install "${KERNEL_PACKAGES[@]}"
    # build-guest-image fetches the kernel with `apt-get download`, which needs the package lists.
    if ! $APT_UPDATED && ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
        log "apt-get update"
        $SUDO apt-get update -qq
    fi
    GUEST_TOOLS="$REPO/../shared/tools/kernel-initiator"
    if [ -f "$GUEST_TOOLS/build-guest-image" ]; then
        log "building the kernel-initiator guest image"
        bash "$GUEST_TOOLS/build-guest-image" >/dev/null
    else
        echo "install-deps: $GUEST_TOOLS not found; the kernel-initiator suite will be skipped" >&2
    fi
fi
log "done"
