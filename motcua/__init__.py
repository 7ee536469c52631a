"""The composition root: the ``kiosk`` command and the wiring of concrete parts.

The only package that imports everything: the core (:mod:`kiosk`), the drivers
(:mod:`devices`), the kiosk's side of the wire (:mod:`sync`), the city server
(:mod:`office`) and the app (:mod:`screens`). :mod:`motcua.wiring` builds the concrete
parts (printer, reader, desk with its office look-up, sync agent, check sources) for the
command line and the app alike.
"""
