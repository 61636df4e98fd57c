# Fedora: the root comes from its cloud image (redhat-common), dnf installs.
export DISTRO_NAME=fedora
export DIB_RELEASE=${DIB_RELEASE:-43}
export EFI_BOOT_DIR=EFI/fedora
export YUM=dnf
