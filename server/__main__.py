"""``python -m server`` runs the ``clip-kg`` command."""

from server.cli.main import main

raise SystemExit(main())
