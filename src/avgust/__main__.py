"""``python -m avgust``: the command line."""

from avgust.cli import main

raise SystemExit(main())
