#!/bin/bash
# Builds the default image (Debian's current stable release) and proves it boots: the README's
# first command.
set -eu
set -o pipefail
# shellcheck source=scripts/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

if [ "$(id -u)" -ne 0 ]; then
    echo "Building an image needs root (loop devices, mounts, chroot): run it with sudo" >&2
    exit 1
fi
node dist/cli/disk-image-create.js -o debian debian-minimal vm
node dist/cli/imagewright.js boot-test debian.qcow2
