"""Thin entry point: `python cli.py …` is the same as the `connectome` command."""

from connectome.cli import main

if __name__ == "__main__":
    main()
