#!/bin/bash
# Runs every test tier: unit, integration (real tools on sparse files), system (real builds
# booted in QEMU). The README's second command, and what CI runs.
set -eu
set -o pipefail
IMAGEWRIGHT_SETUP_TESTS=1
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

if [ "$(id -u)" -ne 0 ]; then
    echo "The integration and system tests need root (loop devices, mounts, chroot): run with sudo" >&2
    exit 1
fi
npx tsc -p tsconfig.json
npx vitest run --project unit
npx vitest run --project integration
npx vitest run --project system
