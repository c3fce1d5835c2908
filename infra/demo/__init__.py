"""Synthetic histories for the demo and the benchmarks (see docs/generator.md)."""

from infra.demo.bulk import BulkApplication
from infra.demo.generator import PROFILES, GenerationSummary, PlantedViolation, Profile, generate

__all__ = ["PROFILES", "BulkApplication", "GenerationSummary", "PlantedViolation", "Profile",
           "generate"]
