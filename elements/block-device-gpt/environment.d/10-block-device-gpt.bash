# Tells the bootloader element which layout it installs into.
export DIB_BLOCK_DEVICE=gpt

# The layout boots through a BIOS boot partition, which ARM64 firmware does not use.
case "${ARCH:-}" in
    arm64 | aarch64)
        echo "block-device-gpt cannot be used on $ARCH: use block-device-efi" >&2
        exit 1
        ;;
esac
