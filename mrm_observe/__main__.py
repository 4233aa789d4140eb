"""`python -m mrm_observe` runs the CLI."""
from .cli import run

run()
