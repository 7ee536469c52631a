"""The service point's queue as a pure model: ticket states, counters, the ordering rule.

The hub (``hub/``) stores and serves the queue; what may happen to a ticket
(:mod:`kiosk.servicepoint.tickets`) and which ticket a counter calls next
(:mod:`kiosk.servicepoint.ordering`) are decided here, without a database or the web, so
that they are tested alone.
"""
