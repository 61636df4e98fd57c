#!/bin/bash
# Puts this checkout's commands on PATH as symlinks, like `npm link` but without touching npm's
# global prefix (on Debian that is /usr, where DIB's own /usr/bin/disk-image-create lives).
#
#   scripts/link-commands.sh            link imagewright, disk-image-create, ramdisk-image-create
#   scripts/link-commands.sh --remove   remove the links that point into this checkout
#
# IMAGEWRIGHT_BIN_DIR   where the links go (default /usr/local/bin as root, ~/.local/bin otherwise)
# IMAGEWRIGHT_LINK      all (default), imagewright (leave the DIB names to DIB) or none
#
# Idempotent: a link that is already right is left as it is. Only symlinks this script could have
# made (to some checkout's dist/cli/NAME.js) or dangling ones are replaced; a real file in the way
# (DIB installed with pip puts one in /usr/local/bin) is left alone with a warning.
set -eu
set -o pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ "$(id -u)" -eq 0 ]; then default_bin=/usr/local/bin; else default_bin="$HOME/.local/bin"; fi
bin_dir=${IMAGEWRIGHT_BIN_DIR:-$default_bin}
mode=${IMAGEWRIGHT_LINK:-all}

case "$mode" in
    all) names=(imagewright disk-image-create ramdisk-image-create) ;;
    imagewright) names=(imagewright) ;;
    none) exit 0 ;;
    *) echo "IMAGEWRIGHT_LINK must be all, imagewright or none: got \"$mode\"" >&2; exit 2 ;;
esac

ours() { # ours LINK NAME: the link points at some imagewright checkout's (or package's) NAME
    case "$(readlink "$1")" in */dist/cli/"$2".js) return 0 ;; *) return 1 ;; esac
}

if [ "${1:-}" = --remove ]; then
    for name in imagewright disk-image-create ramdisk-image-create; do
        link="$bin_dir/$name"
        if [ -L "$link" ] && [ "$(readlink "$link")" = "$repo_root/dist/cli/$name.js" ]; then
            rm -f "$link"
            echo "Removed $link"
        fi
    done
    exit 0
elif [ $# -gt 0 ]; then
    echo "Usage: $0 [--remove]" >&2
    exit 2
fi

mkdir -p "$bin_dir"
for name in "${names[@]}"; do
    target="$repo_root/dist/cli/$name.js"
    link="$bin_dir/$name"
    if [ ! -f "$target" ]; then
        echo "Cannot link $name: $target is missing (run npm run build first)" >&2
        exit 1
    fi
    # tsc writes its output without the executable bit.
    chmod +x "$target"
    if [ -L "$link" ] && [ "$(readlink "$link")" = "$target" ]; then
        continue
    fi
    if [ -L "$link" ] && { ours "$link" "$name" || [ ! -e "$link" ]; }; then
        previous=$(readlink "$link")
        ln -sfn "$target" "$link"
        echo "Linked $link -> $target (it pointed to $previous)"
    elif [ -e "$link" ] || [ -L "$link" ]; then
        echo "Warning: left $link alone: it is not an imagewright link (DIB installed with pip?); use \"imagewright build\" for imagewright's builder" >&2
    else
        ln -s "$target" "$link"
        echo "Linked $link -> $target"
    fi
done

case ":$PATH:" in
    *":$bin_dir:"*) ;;
    *) echo "Note: $bin_dir is not on PATH; add it (e.g. export PATH=\"$bin_dir:\$PATH\") to run imagewright by name" ;;
esac
# Name what a shell will run when another disk-image-create comes first on PATH.
if [ "$mode" = all ]; then
    found=$(command -v disk-image-create || true)
    if [ -n "$found" ] && [ "$found" != "$bin_dir/disk-image-create" ] && [ "$(readlink -f "$found")" != "$repo_root/dist/cli/disk-image-create.js" ]; then
        echo "Note: \"disk-image-create\" runs $found, which comes before $bin_dir on PATH; \"imagewright build\" is always imagewright's"
    fi
fi
