# How elements should call pip and create virtual environments: through the interpreter, so
# it is always clear which Python is affected.
export DIB_PYTHON_PIP="python3 -m pip"
export DIB_PYTHON_VIRTUALENV="python3 -m venv"
