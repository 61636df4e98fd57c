# Red Hat Enterprise Linux: the root comes from its cloud image (redhat-common), dnf installs.
export DISTRO_NAME=rhel
export DIB_RELEASE=${DIB_RELEASE:-9}
export EFI_BOOT_DIR=EFI/redhat
export YUM=dnf
