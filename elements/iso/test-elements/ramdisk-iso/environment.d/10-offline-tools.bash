# Offline: the build host's own busybox, kmod and cpio stand in for the packages.
export HOST_OS_EXTRA_TOOLS="busybox kmod cpio gzip ldd du"
