"""Explicit networks for spiking simulators: `realise` to SONATA files, and the NEST and PyNN scripts."""

REALISERS = ("sonata",)  # the circuit formats a topology can be realised as
