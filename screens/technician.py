"""The technician screen: every device and dependency with its state and fix, and actions.

What is checked is :func:`kiosk.doctor.run_checks` with the device and sync checks of
``kiosk doctor``, except that the printer and the code reader the app holds are reported
live (asked through the print worker and the scan service) instead of being opened a
second time. It all runs on the technician worker; the screen only shows the answer.
Faults come first, each with its fix.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kivy.factory import Factory
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.doctor import Check, CheckStatus
from kiosk.parts import KioskParts, SyncNotReadyError, SyncOutcome
from kiosk.printing import PrinterState, PrinterStatus
from kiosk.scanned import ScanKind, ScannedCode
from kiosk.technician import (
    Diagnosis,
    ScanReport,
    TechnicianDesk,
    describe_scan,
    summarise_sync,
)
from screens.base import N_, KioskScreen
from screens.i18n import _, ngettext

if TYPE_CHECKING:
    from kiosk.printing import PrintOutcome

STATUS_NAMES: dict[CheckStatus, str] = {
    CheckStatus.OK: N_("OK"),
    CheckStatus.WARNING: N_("Warning"),
    CheckStatus.FAULT: N_("Fault"),
}

#: The checks' names (kiosk.doctor and the device and sync checks) in the screen's language;
#: what was found and the fix stay as the checks word them (English, as in the logs).
CHECK_NAMES: dict[str, str] = {
    "software": N_("software"),
    "data directory": N_("data directory"),
    "disk space": N_("disk space"),
    "clock": N_("clock"),
    "QR decoder library": N_("QR decoder library"),
    "QR decoder": N_("QR decoder"),
    "kiosk identity": N_("kiosk identity"),
    "database": N_("database"),
    "catalog": N_("catalog"),
    "outbox": N_("outbox"),
    "receipt printer": N_("receipt printer"),
    "slip font": N_("slip font"),
    "print queue": N_("print queue"),
    "code reader": N_("code reader"),
    "city backend": N_("city backend"),
    "sealing key": N_("sealing key"),
    "last sync": N_("last sync"),
    "device access rules": N_("device access rules"),
    "voice": N_("voice"),
    "sound output": N_("sound output"),
}


def check_name(name: str) -> str:
    """A check's name as the technician reads it (unknown names as they are)."""
    return _(CHECK_NAMES[name]) if name in CHECK_NAMES else name

#: Faults first: what a technician came for.
STATUS_ORDER = {CheckStatus.FAULT: 0, CheckStatus.WARNING: 1, CheckStatus.OK: 2}
KIND_NAMES: dict[ScanKind, str] = {
    ScanKind.CITIZEN_ID: N_("a citizen's ID card"),
    ScanKind.RECEIPT_CODE: N_("a receipt code of this kiosk"),
    ScanKind.URL: N_("a web address"),
    ScanKind.TECHNICIAN_CARD: N_("a technician card"),
    ScanKind.OTHER: N_("another code, not used by the kiosk"),
}


def _checking() -> str:
    return _("Checking every device and connection…")


class CheckLine(BoxLayout):
    """One checked dependency: a status badge, its name, what was found, the fix."""

    status = StringProperty(CheckStatus.OK.value)
    badge = StringProperty("")
    name = StringProperty("")
    detail = StringProperty("")
    fix = StringProperty("")


def run_sync_round(parts: KioskParts, desk: TechnicianDesk) -> SyncOutcome:
    """One sync round, the same as ``kiosk sync once`` (on the technician worker)."""
    try:
        outcome = parts.sync_round(desk.db, desk.config)
    except SyncNotReadyError as error:
        return summarise_sync(0, 0, 0, str(error), ())
    return summarise_sync(outcome.sent, outcome.refused, outcome.pending, outcome.error,
                          outcome.notes)


class TechnicianScreen(KioskScreen):
    """Diagnosis and actions (see the module docstring)."""

    title = N_("Technician mode")
    #: Back would lead to the PIN pad: Home (or "Leave") ends technician mode instead.
    allows_back = False
    #: A diagnosis is running.
    busy = BooleanProperty(False)
    summary_text = StringProperty("")
    outcome_text = StringProperty("")
    scan_text = StringProperty("")
    pending_text = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        # Before the .kv rule is applied: on_kv_post already uses them.
        self.diagnosis: Diagnosis | None = None
        # What the outcome and scan lines say, as functions of the current language.
        self._outcome: Callable[[], str] | None = None
        self._scan: ScanReport | None = None
        self._scan_waiting = False
        super().__init__(**kwargs)

    def retranslate(self, *_args: object) -> None:
        """The language changed: every text in it (a bound method: Kivy keeps only a weak
        reference)."""
        self._show_checks()
        self._render()

    def show(self, **params: Any) -> None:
        """Entered with the PIN: check everything."""
        del params
        if self.diagnosis is None and not self.busy:
            self.do_run_checks()

    def on_pre_enter(self, *_args: object) -> None:
        """Back from the settings: say what waits for a restart."""
        self._render()

    # -- the diagnosis ------------------------------------------------------------------

    def do_run_checks(self, *, keep_message: bool = False) -> None:
        """Check every device and dependency (printer state first, then the worker).

        ``keep_message``: an action's outcome stays shown while the list is brought up to
        date after it.
        """
        if self.busy:
            return
        self.busy = True
        if not keep_message:
            self._say(_checking)
        self.kiosk.printer_snapshot(self._diagnose_with)

    def _diagnose_with(self, printer: tuple[str, PrinterStatus] | None) -> None:
        scan_service = self.kiosk.scan_service
        parts = self.kiosk.parts

        def diagnose(desk: TechnicianDesk) -> Diagnosis:
            reader = None if scan_service is None else scan_service.status()
            return desk.diagnose(parts.running_app_checks(desk.config, printer, reader))

        self.kiosk.ask_technician(diagnose, self._diagnosed, on_error=self._failed)

    def _diagnosed(self, diagnosis: Diagnosis) -> None:
        self.busy = False
        self.diagnosis = diagnosis
        if self._outcome is _checking:
            self._outcome = None
        self._show_checks()
        self._render()

    def _show_checks(self) -> None:
        box = self.ids.check_box
        box.clear_widgets()
        diagnosis = self.diagnosis
        if diagnosis is None:
            return
        checks: list[Check] = sorted(diagnosis.checks, key=lambda c: STATUS_ORDER[c.status])
        for check in checks:
            fix = check.fix if check.status is not CheckStatus.OK else ""
            box.add_widget(
                CheckLine(status=check.status.value, badge=_(STATUS_NAMES[check.status]),
                          name=check_name(check.name), detail=check.detail,
                          fix=_("Fix: {fix}").format(fix=fix) if fix else "")
            )
        if diagnosis.failed:
            box.add_widget(Factory.SectionLabel(text=_("Failed submissions")))
            for item in diagnosis.failed:
                box.add_widget(
                    CheckLine(status=CheckStatus.FAULT.value, badge=_("Failed"),
                              name=f"{item.receipt_code} · {item.kind}",
                              detail=ngettext("{attempts} attempt: {reason}",
                                              "{attempts} attempts: {reason}",
                                              item.attempts).format(attempts=item.attempts,
                                                                    reason=item.reason))
                )

    # -- actions ------------------------------------------------------------------------

    def do_test_print(self) -> None:
        """A test slip through the app's print queue."""
        self._say(lambda: _("Printing a test slip…"))
        self.kiosk.print_test_slip(self._printed)

    def _printed(self, outcome: PrintOutcome | PrinterStatus) -> None:
        if isinstance(outcome, PrinterStatus):  # no printer to print on: the status says why
            if outcome.state is PrinterState.DISABLED:
                self._say(lambda: _("This kiosk has no printer (printer.driver = none)."))
            else:
                self._say(lambda: _("No printer: {reason}").format(reason=outcome.detail))
        elif outcome.printed:
            self._say(lambda: _("The test slip was printed: check every letter and the QR "
                                "code on it."))
        else:
            reason = outcome.error or outcome.status.state.value
            self._say(lambda: _("The test slip was not printed: {reason}. It waits in the "
                                "print queue.").format(reason=reason))

    def do_test_scan(self) -> None:
        """Show the next code the reader reads, and how it was classified."""
        self._scan = None
        self._scan_waiting = True
        self._render()

    def on_code_scanned(self, scanned: ScannedCode) -> None:
        """A code was read while in technician mode (the app hands every one here)."""
        self._scan = describe_scan(scanned)
        self._scan_waiting = False
        self._render()

    def do_sync_now(self) -> None:
        """One sync round on the technician worker; then check again."""
        self._say(lambda: _("Syncing with the city backend…"))
        parts = self.kiosk.parts
        self.kiosk.ask_technician(
            lambda desk: run_sync_round(parts, desk), self._synced, on_error=self._failed)

    def _synced(self, outcome: SyncOutcome) -> None:
        if outcome.error is None:
            self._say(lambda: _("Sync done: {sent} delivered, {refused} refused, {pending} "
                                "waiting.").format(sent=outcome.sent, refused=outcome.refused,
                                                   pending=outcome.pending))
        else:
            self._say(lambda: _("Sync failed: {reason}").format(reason=outcome.error))
        self._check_again()

    def do_retry_failed(self) -> None:
        """Put the failed submissions back in the queue (after fixing their cause)."""
        self.kiosk.ask_technician(
            lambda desk: desk.retry_failed(), self._retried, on_error=self._failed
        )

    def _retried(self, count: int) -> None:
        self._say(lambda: ngettext("{count} failed submission was queued again.",
                                   "{count} failed submissions were queued again.",
                                   count).format(count=count))
        self._check_again()

    def _check_again(self) -> None:
        self.do_run_checks(keep_message=True)

    def do_open_settings(self) -> None:
        """The configuration editor."""
        self.kiosk.do_go("technician_settings")

    def do_open_logs(self) -> None:
        """The recent log lines."""
        self.kiosk.do_go("technician_logs")

    def do_restart(self) -> None:
        """Restart the app (systemd starts it again); said so when nothing would."""
        if not self.kiosk.do_restart_app():
            self._say(lambda: _("This app is not run by systemd, so nothing would start it "
                                "again: it keeps running. Close it and start it yourself."))

    def do_leave(self) -> None:
        """Leave technician mode: everything is wiped, the welcome screen comes back."""
        self.kiosk.do_leave_technician_mode()

    # -- showing ----------------------------------------------------------------------------

    def _failed(self, error: Exception) -> None:
        self.busy = False
        reason = str(error) or type(error).__name__
        self._say(lambda: _("Something failed: {reason}").format(reason=reason))

    def _say(self, outcome: Callable[[], str]) -> None:
        self._outcome = outcome
        self._render()

    def _render(self) -> None:
        self.outcome_text = self._outcome() if self._outcome is not None else ""
        diagnosis = self.diagnosis
        if diagnosis is None:
            self.summary_text = ""
        else:
            self.summary_text = _(
                "Faults: {faults}   Warnings: {warnings}   OK: {ok}   (checked {moment})"
            ).format(faults=diagnosis.count(CheckStatus.FAULT),
                     warnings=diagnosis.count(CheckStatus.WARNING),
                     ok=diagnosis.count(CheckStatus.OK),
                     moment=diagnosis.checked_at[11:19])
        self.scan_text = self._scan_line()
        pending = self.kiosk.pending_settings
        self.pending_text = _(
            "Changed settings apply after a restart: {keys}"
        ).format(keys=", ".join(pending)) if pending else ""

    def _scan_line(self) -> str:
        if self._scan_waiting:
            if self.kiosk.scan_service is None:
                return _("No code reader is running: see the code reader check.")
            return _("Test scan: hold a code to the reader.")
        report = self._scan
        if report is None:
            return ""
        lines = [
            ngettext("Read {length} character: {kind}.", "Read {length} characters: {kind}.",
                     report.length).format(length=report.length, kind=_(KIND_NAMES[report.kind]))
        ]
        if report.shown:
            lines.append(report.shown)
        if report.problem:
            lines.append(_("Refused as an ID card: {reason}").format(reason=report.problem))
        return "\n".join(lines)

    def do_reset(self) -> None:
        """Forget the diagnosis, the messages and the last code read."""
        self.diagnosis = None
        self.busy = False
        self._outcome = None
        self._scan = None
        self._scan_waiting = False
        self.ids.check_box.clear_widgets()
        self._render()
