# package-installs.yaml picks the filesystem tools by the root filesystem type, which the
# build exports once the block-device layout is known; "when" conditions need it set.
export DIB_ROOT_FSTYPE=${DIB_ROOT_FSTYPE:-}
