"""The scripted driver of the app and the tour built on it: a demo and documentation command.

:mod:`motcua.tour.driver` runs the Kivy app frame by frame without a person (the tour, the
UI tests, the UI benchmark); :mod:`motcua.tour.tour` is the scripted journey behind
``kiosk tour`` that writes every screen's screenshot and the printed slips.
"""
