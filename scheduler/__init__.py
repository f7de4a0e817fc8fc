"""Partagenda's application core: persistence, planning workflow, feeds, reports and jobs."""
