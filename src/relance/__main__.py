"""`python -m relance …` is the `relance` command."""

from relance.cli import main

main()
