"""Explicit networks for spiking simulators: `realise` to SONATA files, and the NEST and PyNN scripts."""

REALISERS = ("sonata",)  # what `realise --format` writes
