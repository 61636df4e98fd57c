# Seconds one interface may take to get a DHCP lease at boot.
export DIB_DHCP_TIMEOUT=${DIB_DHCP_TIMEOUT:-30}
