# Same bootloader path as block-device-efi: the EFI loader goes on the ESP.
export DIB_BLOCK_DEVICE=efi

# POWER machines do not boot from an EFI system partition.
case "${ARCH:-}" in
    ppc64 | ppc64le | ppc64el)
        echo "block-device-efi-4k cannot be used on $ARCH: use block-device-mbr" >&2
        exit 1
        ;;
esac
