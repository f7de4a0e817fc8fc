"""Partagenda's planner: a pure CP-SAT model, instance in, rota out."""
