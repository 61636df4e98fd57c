# The kernel flavour and the suites beside the release that the image's apt sources (and the
# bootstrap) use: DIB's defaults. debootstrap's debian-release writes the sources from these.
export DIB_UBUNTU_KERNEL=${DIB_UBUNTU_KERNEL:-linux-image-generic}
export DIB_UBUNTU_MIRROR_DISTS=${DIB_UBUNTU_MIRROR_DISTS-updates,security,backports}
# Set by the build when there is a disk; package-installs.yaml's "when" needs it set.
export DIB_ROOT_FSTYPE=${DIB_ROOT_FSTYPE:-}
