"""`python -m search` runs the `search` command."""

from search.cli import main

if __name__ == "__main__":  # not again in each process a local Dask cluster spawns
    main()
