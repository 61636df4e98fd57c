# Tells the bootloader element which layout it installs into.
export DIB_BLOCK_DEVICE=mbr

# ARM64 firmware boots only from an EFI system partition.
case "${ARCH:-}" in
    arm64 | aarch64)
        echo "block-device-mbr cannot be used on $ARCH: use block-device-efi" >&2
        exit 1
        ;;
esac
