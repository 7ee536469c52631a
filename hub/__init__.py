"""The service-point hub: the queue of one service point, on its LAN.

It keeps the point's services, counters, officers and tickets in SQLite
(:mod:`hub.database`, :mod:`hub.queue`), serves the officers' console, the TV display and
the kiosks' API (:mod:`hub.app`), and is started with ``kiosk hub serve``
(:mod:`hub.cli`). What may happen to a ticket and who is called next are decided by the
core (:mod:`kiosk.servicepoint`).
"""
