# Ubuntu settings for every phase, shared by ubuntu (cloud image) and ubuntu-minimal (bootstrap).
# DIB_RELEASE is a codename; the default is Ubuntu's current LTS release.
export DISTRO_NAME=ubuntu
export DIB_RELEASE=${DIB_RELEASE:-noble}
export DIB_INIT_SYSTEM=systemd
export EFI_BOOT_DIR=EFI/ubuntu
export DIB_DEBIAN_COMPONENTS=${DIB_DEBIAN_COMPONENTS:-main,universe}
# Ubuntu keeps amd64 and i386 on its archive, every other architecture on the ports archive.
case "${ARCH:-amd64}" in
    amd64 | i386) ubuntu_default_mirror=http://archive.ubuntu.com/ubuntu ;;
    *) ubuntu_default_mirror=http://ports.ubuntu.com/ubuntu-ports ;;
esac
export DIB_UBUNTU_DEFAULT_MIRROR=$ubuntu_default_mirror
export DIB_DISTRIBUTION_MIRROR=${DIB_DISTRIBUTION_MIRROR:-$ubuntu_default_mirror}
unset ubuntu_default_mirror
