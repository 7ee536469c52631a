"""motcua-kiosk core: models, configuration, storage, search, ID cards and the outbox.

This package is plain Python. It imports no Kivy, no hardware library and no HTTP
library; the UI (``screens``), the drivers (``devices``) and the wire (``sync``) depend
on it, never the other way round.
"""

#: The release: the one version number (pyproject.toml reads it; ``kiosk --version``, the
#: doctor, the heartbeat and the sync User-Agent show it).
__version__ = "0.1.0"
