# Settings every Red Hat family build shares: systemd, and dnf unless an element chose yum.
export DIB_INIT_SYSTEM=systemd
export YUM=${YUM:-dnf}
export DIB_DISABLE_KERNEL_CLEANUP=${DIB_DISABLE_KERNEL_CLEANUP:-0}
