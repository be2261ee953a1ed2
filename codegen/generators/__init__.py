"""Stage 3: the third-party generators, each run in a temporary directory.

Each wrapper takes plain data (a normalised document, an API entry) and returns a tree of
file contents plus diagnostics; none writes outside its temporary directory.
"""
