"""Open twin: ``python main.py [PROJECT]`` (same as the ``twin`` command)."""

import sys

from twin.cli import main

if __name__ == "__main__":
    sys.exit(main(["app", *sys.argv[1:]]))
