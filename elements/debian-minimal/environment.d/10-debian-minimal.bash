# Debian settings for every phase. DIB_RELEASE may be a suite (stable, testing...) or a codename;
# the apt sources are not worked out here but by the debootstrap element's root.d scripts
# (debian-release), from the values every environment.d file leaves, so an element sourced
# after this one may still choose the release.
export DISTRO_NAME=debian
export DIB_RELEASE=${DIB_RELEASE:-stable}
export DIB_INIT_SYSTEM=systemd
export EFI_BOOT_DIR=EFI/debian
export DIB_DISTRIBUTION_MIRROR=${DIB_DEBIAN_DISTRIBUTION_MIRROR:-${DIB_DISTRIBUTION_MIRROR:-http://deb.debian.org/debian}}
export DIB_DEBIAN_COMPONENTS=${DIB_DEBIAN_COMPONENTS:-main}
export DIB_DEBIAN_SECURITY_MIRROR=${DIB_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
export DIB_DEBIAN_SECURITY_SUBPATH=${DIB_DEBIAN_SECURITY_SUBPATH:--security}
# Set by the build when there is a disk; package-installs.yaml's "when" needs it set.
export DIB_ROOT_FSTYPE=${DIB_ROOT_FSTYPE:-}
