"""The planning strategies of one independent part, each in its own module.

`solver.facade.solve_part` tries them in this order; a strategy that does not apply, or finds no
rota, steps aside (returns None) and the next one plans:

- `days`: one assistant, no re-plan inputs, and the rests between days held by the windows
  (`solver.patterns.unsuitable` says why not): exact, by the day-pattern model;
- `assistants`: several assistants, no re-plan inputs, each assistant's own part one the
  day-pattern model takes (`solver.coupled.unsuitable`, `solver.coupled.decompose`): a first rota
  in turn, sweeps, then Lagrangian pricing of the shared slots;
- `blocks`: every part (the fallback, and the model whose conflicts `solver.explain` reads): the
  CP-SAT block model built from the rule registry of `solver.constraints`, warm-started by the
  constructive rota of `solver.greedy` where it fits.

`part` holds what they give back (`PartResult`) and the pieces they share. Which rule each
strategy encodes, and where, is `solver.rules`.
"""
