"""`python -m api` runs the hoso CLI."""

from api.cli import main

main()
