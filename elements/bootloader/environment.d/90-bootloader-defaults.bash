# Defaults read by bootloader's package-installs.yaml conditions. Sorted after the
# block-device-* elements' files, so DIB_BLOCK_DEVICE is already set when one is used.
export DIB_SKIP_GRUB_PACKAGE_INSTALL=${DIB_SKIP_GRUB_PACKAGE_INSTALL:-0}
export DIB_BLOCK_DEVICE=${DIB_BLOCK_DEVICE:-}
export DIB_EXTLINUX=${DIB_EXTLINUX:-0}
