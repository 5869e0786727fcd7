"""`python -m orchestre` runs the same command as `orchestre`."""

from orchestre.cli import main

main()
