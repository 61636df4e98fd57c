# DIB's default for Ubuntu cloud images: only the Ec2 data source (OpenStack's metadata service
# answers it too). Set DIB_CLOUD_INIT_DATASOURCES for others (ConfigDrive, OpenStack, NoCloud...).
export DIB_CLOUD_INIT_DATASOURCES=${DIB_CLOUD_INIT_DATASOURCES:-Ec2}
