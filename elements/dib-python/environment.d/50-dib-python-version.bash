# Which Python the build scripts get as /usr/bin/dib-python and $DIB_PYTHON. Every current
# distribution has Python 3; 2 is only for images that still ship python2.
export DIB_PYTHON_VERSION=${DIB_PYTHON_VERSION:-3}
export DIB_PYTHON=python$DIB_PYTHON_VERSION
