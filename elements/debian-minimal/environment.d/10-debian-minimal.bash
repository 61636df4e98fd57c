# Debian settings for every phase. The archive has the release itself plus -updates and
# -security suites (none for unstable/sid).
export DISTRO_NAME=debian
export DIB_RELEASE=${DIB_RELEASE:-bookworm}
export DIB_INIT_SYSTEM=systemd
export EFI_BOOT_DIR=EFI/debian
export DIB_DISTRIBUTION_MIRROR=${DIB_DEBIAN_DISTRIBUTION_MIRROR:-${DIB_DISTRIBUTION_MIRROR:-http://deb.debian.org/debian}}
export DIB_DEBIAN_COMPONENTS=${DIB_DEBIAN_COMPONENTS:-main}
export DIB_DEBIAN_SECURITY_MIRROR=${DIB_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
export DIB_DEBIAN_SECURITY_SUBPATH=${DIB_DEBIAN_SECURITY_SUBPATH:--security}

if [ -z "${DIB_APT_SOURCES_CONF:-}" ]; then
    _debian_components=${DIB_DEBIAN_COMPONENTS//,/ }
    DIB_APT_SOURCES_CONF="default:deb $DIB_DISTRIBUTION_MIRROR $DIB_RELEASE $_debian_components"
    case "$DIB_RELEASE" in
        unstable | sid | experimental) ;;
        *)
            DIB_APT_SOURCES_CONF+=$'\n'"updates:deb $DIB_DISTRIBUTION_MIRROR $DIB_RELEASE-updates $_debian_components"
            DIB_APT_SOURCES_CONF+=$'\n'"security:deb $DIB_DEBIAN_SECURITY_MIRROR $DIB_RELEASE$DIB_DEBIAN_SECURITY_SUBPATH $_debian_components"
            ;;
    esac
    export DIB_APT_SOURCES_CONF
    unset _debian_components
fi
