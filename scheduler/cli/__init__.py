"""The core's command line: its commands (`commands`), what it says when it stops (`messages`),
what the commands share (`context`) and the demo's export (`demo_export`).

The console script lives in the outer layer (`api.cli`), which adds `serve` to these commands:
nothing here starts the web edge.
"""

from scheduler.cli.commands import app, with_core_commands

__all__ = ["app", "with_core_commands"]
