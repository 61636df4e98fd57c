# shellcheck shell=bash
# Shared by the kpartx and dmsetup stand-ins: loop devices, their partitions and the
# /dev/mapper links that stand for device-mapper maps.

# shellcheck disable=SC2034 # used by the scripts that source this file
MAPPER_DIR=${IMAGEWRIGHT_MAPPER_DIR:-/dev/mapper}
# Which extra partition-scanning loop device serves a loop device that was attached without
# --partscan (its partitions cannot be added any other way).
STATE_DIR=${IMAGEWRIGHT_KPARTX_STATE:-/run/imagewright/kpartx}

fail() {
    echo "$(basename "$0"): $*" >&2
    exit 1
}

# The kernel has a device-mapper driver (a /dev/mapper/control node alone proves nothing).
device_mapper_available() {
    grep -qw device-mapper /proc/misc 2> /dev/null
}

# The same tool further along PATH than this directory, if any.
real_tool() {
    local tool=$1 skip=$2 dir
    local -a dirs
    IFS=: read -r -a dirs <<< "$PATH"
    for dir in "${dirs[@]}" /usr/sbin /sbin; do
        if [ -n "$dir" ] && [ "$(readlink -f "$dir")" != "$skip" ] && [ -x "$dir/$tool" ]; then
            echo "$dir/$tool"
            return 0
        fi
    done
    return 1
}

# The loop device of a disk: the device itself, or the loop device backing an image file
# (attached with partition scanning when $2 is "attach" and there is none yet).
disk_device() {
    local disk=$1 how=$2 device
    if [ -b "$disk" ]; then
        readlink -f "$disk"
        return 0
    fi
    device=$(losetup --noheadings --output NAME --associated "$(readlink -f "$disk")" | head -n 1)
    if [ -n "$device" ]; then
        echo "$device"
    elif [ "$how" = attach ]; then
        losetup --find --show --partscan "$disk"
    else
        return 1
    fi
}

# A device whose partitions the kernel shows: $1 when it scans partitions, else a loop device
# with --partscan over it (made once, remembered for release_scanned_device).
scanned_device() {
    local device=$1 name state extra
    name=$(basename "$device")
    state=$STATE_DIR/$name
    if [ -f "$state" ]; then
        cat "$state"
        return 0
    fi
    if [[ $name != loop* ]] || [ "$(cat "/sys/block/$name/loop/partscan" 2> /dev/null || echo 1)" = 1 ]; then
        echo "$device"
        return 0
    fi
    extra=$(losetup --find --show --partscan "$device")
    mkdir -p "$STATE_DIR"
    echo "$extra" > "$state"
    echo "$extra"
}

release_scanned_device() {
    local state
    state=$STATE_DIR/$(basename "$1")
    if [ -f "$state" ]; then
        losetup -d "$(cat "$state")" || true
        rm -f "$state"
    fi
}

# "NUMBER START SECTORS" for each partition in the table on $1.
partition_rows() {
    partx --noheadings --raw --output NR,START,SECTORS "$1" 2> /dev/null || true
}

# kpartx names partitions of a disk whose name ends in a digit NAMEpN, others NAMEN.
partition_delim() {
    local name=$1 delim=$2
    if [ -n "$delim" ]; then
        echo "$delim"
    elif [[ $name == *[0-9] ]]; then
        echo p
    fi
}

partition_node() {
    local name
    name=$(basename "$1")
    if [[ $name == *[0-9] ]]; then
        echo "/dev/${name}p$2"
    else
        echo "/dev/$name$2"
    fi
}

# Wait until the kernel shows every partition of $1 and each has a /dev node (made from sysfs
# when no udev creates it).
wait_for_partitions() {
    local device=$1 number node sys tries
    while read -r number _; do
        node=$(partition_node "$device" "$number")
        sys=/sys/class/block/$(basename "$node")
        for ((tries = 0; tries < 50; tries++)); do
            [ -e "$sys/dev" ] && break
            partx --update "$device" 2> /dev/null || true
            sleep 0.1
        done
        [ -e "$sys/dev" ] || fail "partition $number of $device did not appear"
        if [ ! -b "$node" ]; then
            mknod "$node" b "$(cut -d: -f1 "$sys/dev")" "$(cut -d: -f2 "$sys/dev")"
        fi
    done < <(partition_rows "$device")
}

node_numbers() {
    local name
    name=$(basename "$(readlink -f "$1")")
    cat "/sys/class/block/$name/dev"
}
