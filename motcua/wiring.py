"""The one place that builds concrete parts from the configuration.

The command line and the app both get their printer, code reader, desk (with its office
look-up), check sources and sync round from here, so ``kiosk doctor`` and the technician
screen check the same things, and ``kiosk sync once`` and the technician's "sync now" run
the same round. Drivers and the HTTP library load inside the functions: the app draws its
first frame before any of them is imported.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from kiosk.config import Config
from kiosk.desk import ServiceDesk, open_desk_database
from kiosk.doctor import Check, CheckSource
from kiosk.parts import KioskDevices, SyncNotReadyError, SyncOutcome
from kiosk.printing import PrinterStatus
from kiosk.reading import ReaderStatus
from kiosk.storage import Database

if TYPE_CHECKING:
    from hub.voice import CallAudio
    from kiosk.kiosk_voice import KioskVoice
    from kiosk.servicepoint.ticket_rating import HubRatings
    from sync.hub_link import HubLink


def build_devices(config: Config) -> KioskDevices:
    """The code reader and printer the configuration names, through the devices' tables.

    A device that cannot be built is its ``Unavailable*`` stand-in saying why (and logged);
    it is never replaced by a simulated one.
    """
    # Drivers load after the first frame.
    from devices.printers import build_printer  # noqa: PLC0415
    from devices.readers import build_reader  # noqa: PLC0415

    return KioskDevices(reader=build_reader(config), printer=build_printer(config),
                        voice=build_voice(config))


def build_voice(config: Config) -> KioskVoice | None:
    """The kiosk's voice: the configured engine through the configured output, at the
    technician's volume (headphone mode: the jack, quieter). None when nothing can be
    said or heard (``speech.engine`` or ``speech.output`` none, or the voice cannot run:
    the technician screen shows why)."""
    from devices.audio_outputs import build_audio_output  # noqa: PLC0415
    from devices.speech_engines import build_engine  # noqa: PLC0415
    from kiosk.kiosk_voice import AudioRoute, CueSettings, KioskVoice  # noqa: PLC0415
    from kiosk.speech import SpeechRenderer, number_style  # noqa: PLC0415

    output = build_audio_output(config)
    engine = build_engine(config)
    if output is None or not engine.status().state.can_speak:
        return None
    renderer = SpeechRenderer(engine, volume_percent=AudioRoute.from_config(config).volume_percent)
    return KioskVoice(renderer, output, style=number_style(config),
                      cues=CueSettings.from_config(config))


def open_desk(config: Config) -> ServiceDesk:
    """The desk with the office look-up (the HTTP library loads on the calling thread)."""
    from sync.hub_help import HubStaffCaller  # noqa: PLC0415
    from sync.office import BackendOffice  # noqa: PLC0415

    office = BackendOffice.from_config(config)
    return ServiceDesk(open_desk_database(config), config, office=office, cards=office,
                       hub=hub_ratings(config), staff=HubStaffCaller.from_config(config))


def hub_ratings(config: Config) -> HubRatings | None:
    """Ratings of served tickets, recorded at the hub (None: ``hub.url`` is not set)."""
    from sync.hub_client import HubClient  # noqa: PLC0415 - needs requests
    from sync.hub_ratings import HubTicketRatings  # noqa: PLC0415

    if not config.text("hub.url"):
        return None
    # Short timeouts: a citizen is waiting in front of the screen for this answer.
    return HubTicketRatings(HubClient(config.text("hub.url"), config.text("hub.token"),
                                      connect_timeout=2.0, read_timeout=5.0))


def all_check_sources() -> list[CheckSource]:
    """The printer, the code reader, the voice, the sync side and updates, in the order a
    technician reads."""
    from devices.access_checks import access_checks  # noqa: PLC0415
    from devices.printer_checks import printer_checks  # noqa: PLC0415
    from devices.reader_checks import reader_checks  # noqa: PLC0415
    from devices.speech_checks import speech_checks  # noqa: PLC0415
    from sync.checks import sync_checks  # noqa: PLC0415
    from sync.update_checks import update_checks  # noqa: PLC0415

    return [printer_checks, reader_checks, access_checks, speech_checks, sync_checks,
            update_checks]


def running_app_sources(printer: Check | None, reader: Check | None) -> list[CheckSource]:
    """:func:`all_check_sources` for the running app, whose devices are already open.

    ``printer`` and ``reader`` are the live checks of the devices the app holds (None: the
    app holds none, and the device is checked as ``kiosk doctor`` does).
    """
    from devices.access_checks import access_checks  # noqa: PLC0415
    from devices.printer_checks import (  # noqa: PLC0415
        check_print_queue,
        check_slip_font,
        printer_checks,
    )
    from devices.reader_checks import CAMERA_DRIVERS, check_decoder, reader_checks  # noqa: PLC0415
    from devices.speech_checks import speech_checks  # noqa: PLC0415
    from sync.checks import sync_checks  # noqa: PLC0415
    from sync.update_checks import update_checks  # noqa: PLC0415

    if printer is None and reader is None:
        return all_check_sources()

    def printer_part(config: Config) -> Iterable[Check]:
        if printer is None:
            return printer_checks(config)
        return [printer, check_slip_font(), check_print_queue(config)]

    def reader_part(config: Config) -> Iterable[Check]:
        if reader is None:
            return reader_checks(config)
        camera = config.text("scanner.driver") in CAMERA_DRIVERS
        return [reader, check_decoder(config)] if camera else [reader]

    return [printer_part, reader_part, access_checks, speech_checks, sync_checks,
            update_checks]


def hub_call_audio(config: Config) -> CallAudio | None:
    """The voice of the display's calls (None when the configured voice cannot speak)."""
    from devices.speech_engines import build_renderer  # noqa: PLC0415
    from hub.voice import SpeechCallAudio  # noqa: PLC0415
    from kiosk.speech import number_style  # noqa: PLC0415

    renderer = build_renderer(config)
    if not renderer.engine.status().state.can_speak:
        renderer.close()
        return None
    return SpeechCallAudio(renderer, style=number_style(config),
                           chime=config.flag("speech.chime"))


def hub_link(db: Database, config: Config) -> HubLink | None:
    """The link to the service point's hub (None: ``hub.url`` is not set)."""
    from sync.hub_client import HubClient  # noqa: PLC0415 - needs requests
    from sync.hub_link import HubLink  # noqa: PLC0415

    if not config.text("hub.url"):
        return None
    client = HubClient(config.text("hub.url"), config.text("hub.token"),
                       connect_timeout=float(config.number("sync.connect_timeout")),
                       read_timeout=float(config.number("sync.read_timeout")))
    return HubLink(db, client, kiosk_id=config.text("kiosk.id"),
                   unit_code=config.number("kiosk.commune_code"))


def sync_round(db: Database, config: Config) -> SyncOutcome:
    """One round of the sync agent on ``db`` (raises SyncNotReadyError when it cannot sync)."""
    from sync.agent import AgentSettings, SyncAgent  # noqa: PLC0415 - needs requests

    settings = AgentSettings.from_config(config)
    problems = settings.problems()
    if problems:
        raise SyncNotReadyError("cannot sync: " + "; ".join(problems))
    agent = SyncAgent(db, settings)
    try:
        report = agent.run_once()
    finally:
        agent.client.close()
    error = None if report.failure is None else report.failure.reason
    return SyncOutcome(report.sent, report.failed, report.pending, error, tuple(report.notes))


class KioskWiring:
    """:class:`kiosk.parts.KioskParts` from this module's functions (the real kiosk)."""

    def build_devices(self, config: Config) -> KioskDevices:
        return build_devices(config)

    def open_desk(self, config: Config) -> ServiceDesk:
        return open_desk(config)

    def running_app_checks(
        self,
        config: Config,
        printer: tuple[str, PrinterStatus] | None,
        reader: ReaderStatus | None,
    ) -> list[CheckSource]:
        from devices.printer_checks import check_printer_status  # noqa: PLC0415
        from devices.reader_checks import check_running_reader  # noqa: PLC0415

        printer_check = None if printer is None else check_printer_status(config, *printer)
        reader_check = None if reader is None else check_running_reader(config, reader)
        return running_app_sources(printer_check, reader_check)

    def sync_round(self, db: Database, config: Config) -> SyncOutcome:
        return sync_round(db, config)
