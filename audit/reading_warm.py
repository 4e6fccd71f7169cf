"""Imported by the reading pool's fork server (its preload): warms it once for every worker it forks."""
from audit.reading import warm

warm()
