# CentOS Stream: the root comes from its cloud image (redhat-common), dnf installs.
export DISTRO_NAME=centos
export DIB_RELEASE=${DIB_RELEASE:-9-stream}
export EFI_BOOT_DIR=EFI/centos
export YUM=dnf
