"""The bundle's entry point: what ``desktop-llm`` (and ``python -m desktop_llm``) runs."""

import sys

from desktop_llm.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
