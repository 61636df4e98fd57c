# Rocky Linux: the root comes from its cloud image (redhat-common), dnf installs.
export DISTRO_NAME=rocky
export DIB_RELEASE=${DIB_RELEASE:-9}
export EFI_BOOT_DIR=EFI/rocky
export YUM=dnf
