# Default name of the development user.
export DIB_DEV_USER_USERNAME=${DIB_DEV_USER_USERNAME:-devuser}
