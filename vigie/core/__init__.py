"""Vigie's core library: config, tip envelope, storage and the intake logic.

Nothing here imports Chalice: `intake_lambda/app.py` is the only Chalice-aware
module. The package keeps Chalice's conventional name so that `chalice package`
ships it to Lambda as is, and the `vigie` CLI imports the same modules.
"""
