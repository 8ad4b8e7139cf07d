#!/usr/bin/env python
"""Same as the ``bilge`` console command."""
from bilge.cli import main

if __name__ == "__main__":
    main()
