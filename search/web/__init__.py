"""`search serve`: the search as a local web page and a JSON API, over the package's own
functions as the command line is. Nothing here searches: see `search.web.app`."""
