# Tells the bootloader element to install the EFI loader as well.
export DIB_BLOCK_DEVICE=efi

# POWER machines do not boot from an EFI system partition.
case "${ARCH:-}" in
    ppc64 | ppc64le | ppc64el)
        echo "block-device-efi cannot be used on $ARCH: use block-device-mbr" >&2
        exit 1
        ;;
esac
