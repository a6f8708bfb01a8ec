"""`python -m search` runs the `search` command."""

from search.cli import main

main()
