"""`python -m connectome`: the same command line as `connectome` and `python cli.py`."""

from .cli import main

main()
