# Hardened algorithm settings unless switched off with 0.
export DIB_OPENSSH_SERVER_HARDENING=${DIB_OPENSSH_SERVER_HARDENING:-1}
