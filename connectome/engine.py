"""The engine's names as they were before `connectome.sim`: kept so that existing code keeps working."""

from __future__ import annotations

from .sim import SimulationResult, Stimulus, estimate, parse_stimulus, simulate
from .sim.memory import verdict as check_memory
from .sim.spec import MAX_STEPS

__all__ = ["MAX_STEPS", "SimulationResult", "Stimulus", "check_memory", "estimate", "parse_stimulus", "simulate"]
