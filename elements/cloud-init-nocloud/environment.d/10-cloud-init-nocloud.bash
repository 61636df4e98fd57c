# NoCloud only: cloud-init reads a local seed and never waits for a metadata server.
export DIB_CLOUD_INIT_DATASOURCES=NoCloud
