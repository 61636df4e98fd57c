#!/bin/bash
# Prepares a fresh Debian/Ubuntu checkout: npm dependencies, the compiled CLI, and (as root)
# the host packages builds and tests need. Sourced by demo.sh and test.sh.
set -eu
set -o pipefail

HOST_PACKAGES=(
    qemu-utils qemu-system-x86 ovmf mmdebstrap debootstrap fdisk gdisk dosfstools xfsprogs
    e2fsprogs btrfs-progs squashfs-tools util-linux mount kmod cpio zstd ca-certificates
    # EFI system partitions on kernels without a vfat driver are mounted through FUSE.
    fusefat
    # The iso element: isolinux for BIOS, a standalone grub in a FAT image (mtools) for UEFI.
    xorriso isolinux syslinux-common grub-common grub-efi-amd64-bin mtools
    # imagewright customize --root-password hashes the password on the host.
    openssl
    # cache-url downloads base images (the ubuntu element); unsquashfs is in squashfs-tools.
    curl
    # Cloud images published as .qcow2.xz are unpacked in the cache.
    xz-utils
    # The debootstrap element gzips the root tarball on every core (gzip when missing).
    pigz
)
# Only the tests use these (fixtures, real peers); builds never need them. test.sh sets
# IMAGEWRIGHT_SETUP_TESTS=1 before sourcing this file.
TEST_PACKAGES=(
    curl git python3 shellcheck
    # DIB itself: its element tree and functional tests are fixtures of the compatibility tests.
    python3-diskimage-builder
    # pgrep: the fault-injection tests look for the processes a killed build left.
    procps
    # the HTML report is rendered in a headless browser (puppeteer-core drives it)
    chromium
    # the live progress view is read off a real terminal screen
    tmux
    # The build farm's tests start their own PostgreSQL (initdb in a temporary directory).
    postgresql
    # Offline ramdisk test-elements copy the host's busybox into the host-os test root.
    busybox
    # `npm run bench` reads each builder's peak RSS from GNU time.
    time
    # The stand-in Ubuntu mirror signs its Release files with a key the test makes.
    gpg gpg-agent
    # The Red Hat stand-in's repository: rpms built with rpmbuild, indexed by createrepo_c.
    rpm createrepo-c
)
if [ "${IMAGEWRIGHT_SETUP_TESTS:-0}" = 1 ]; then
    HOST_PACKAGES+=("${TEST_PACKAGES[@]}")
fi

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_root"

if ! command -v node >/dev/null 2>&1; then
    echo "imagewright needs Node.js >= 20.19 (node was not found on PATH)" >&2
    exit 1
fi
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; then
    echo "imagewright needs Node.js >= 20.19 (found $(node --version))" >&2
    exit 1
fi

missing=()
for pkg in "${HOST_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ]; then
        echo "Installing host packages: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "Missing host packages: ${missing[*]}" >&2
        echo "Run this as root (sudo) so it can install them, or: sudo apt-get install ${missing[*]}" >&2
        exit 1
    fi
fi

# Exactly what package-lock.json says, never rewriting it (a clean clone stays clean).
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent build
# Put imagewright, disk-image-create and ramdisk-image-create on PATH (/usr/local/bin as root);
# IMAGEWRIGHT_LINK=imagewright|none links fewer, scripts/link-commands.sh --remove undoes it.
bash scripts/link-commands.sh
