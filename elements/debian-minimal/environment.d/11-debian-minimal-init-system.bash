# The init system: systemd unless DIB_DEBIAN_ALT_INIT_PACKAGE names Debian's sysvinit-core
# (SysV init) or openrc (OpenRC, run by SysV init). package-installs.yaml installs the package
# that goes with DIB_INIT_SYSTEM. DIB's "sysvinit" (its default) keeps systemd.
case "${DIB_DEBIAN_ALT_INIT_PACKAGE:-}" in
    sysvinit-core) export DIB_INIT_SYSTEM=sysv ;;
    openrc) export DIB_INIT_SYSTEM=openrc ;;
    "" | sysvinit | systemd-sysv) export DIB_INIT_SYSTEM=systemd ;;
    *)
        echo "debian-minimal: DIB_DEBIAN_ALT_INIT_PACKAGE=\"$DIB_DEBIAN_ALT_INIT_PACKAGE\" is not" \
            "an init Debian ships: use sysvinit-core or openrc (or leave it unset for systemd)" >&2
        exit 1
        ;;
esac
