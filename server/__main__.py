"""``python -m server`` runs the ``clip-kg`` command."""

from .cli import main

raise SystemExit(main())
