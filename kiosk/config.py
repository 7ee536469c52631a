"""Layered configuration: every key declared once, with its type, bounds and meaning.

Layers, later ones winning:

1. the shipped defaults, ``kiosk/data/defaults.toml`` (every declared key, nothing else);
2. in demo mode, ``kiosk/data/demo.toml`` (simulated devices, a loopback backend);
3. the system file, ``/etc/motcua-kiosk/kiosk.toml``, or the file named by ``KIOSK_CONFIG``
   (skipped in demo mode unless ``KIOSK_CONFIG`` names it);
4. the technician layer, ``technician.toml`` in the data directory, written by the
   technician screen and ``kiosk config set``.

The data directory is ``KIOSK_DATA_DIR`` if set, else a per-user directory in demo mode,
else ``/var/lib/motcua-kiosk``. A bad value or an unknown key fails with a
:class:`ConfigError` naming the file, the key, the value and what is allowed.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

SYSTEM_CONFIG = Path("/etc/motcua-kiosk/kiosk.toml")
PRODUCTION_DATA_DIR = Path("/var/lib/motcua-kiosk")
TECHNICIAN_FILE = "technician.toml"
DATABASE_FILE = "kiosk.sqlite3"

Value = str | int | bool


class ConfigError(Exception):
    """A configuration file or value that cannot be used, with a message saying why."""


@dataclass(frozen=True)
class Setting:
    """One declared configuration key."""

    key: str
    kind: type[str] | type[int] | type[bool]
    meaning: str
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str | int, ...] | None = None
    pattern: str | None = None
    #: Never shown whole (``kiosk config show`` masks it): tokens.
    secret: bool = False

    def allowed(self) -> str:
        """What values are allowed, in words, for error messages."""
        if self.choices is not None:
            return "one of " + ", ".join(repr(choice) for choice in self.choices)
        if self.kind is bool:
            return "true or false"
        if self.kind is int:
            low = "" if self.minimum is None else f" >= {self.minimum}"
            high = "" if self.maximum is None else f" <= {self.maximum}"
            return "an integer" + low + ("," if low and high else "") + high
        if self.pattern is not None:
            return f"text matching {self.pattern}"
        return "text"

    def check(self, value: object) -> Value:
        """``value`` if it is allowed for this key; else raise ValueError."""
        # bool is a subclass of int in Python: never accept true for a number.
        if self.kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValueError(self.allowed())
        if not isinstance(value, self.kind):
            raise ValueError(self.allowed())
        assert isinstance(value, str | int)
        if self.choices is not None and value not in self.choices:
            raise ValueError(self.allowed())
        if isinstance(value, int) and not isinstance(value, bool):
            if self.minimum is not None and value < self.minimum:
                raise ValueError(self.allowed())
            if self.maximum is not None and value > self.maximum:
                raise ValueError(self.allowed())
        if (
            isinstance(value, str)
            and self.pattern is not None
            and re.fullmatch(self.pattern, value) is None
        ):
            raise ValueError(self.allowed())
        return value


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "kiosk.id",
        str,
        "this kiosk's identity at the backend",
        pattern=r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}",
    ),
    Setting(
        "kiosk.queue_prefix",
        str,
        "digit or letter that keeps this kiosk's queue numbers apart from its neighbours'",
        pattern=r"[1-9A-Z]",
    ),
    Setting("kiosk.commune_code", int, "ward code of the commune/ward served (0: not set)",
            minimum=0, maximum=99999),
    Setting("kiosk.service_point_name", str, "name shown on the welcome screen and slips",
            pattern=r"(?s).{1,120}"),
    Setting("kiosk.hotline", str, "hotline printed on slips", pattern=r"[0-9 .+-]{3,20}"),
    Setting("kiosk.status_page_url", str,
            "where a feedback's or papers check's QR leads: the city's public status page, "
            "e.g. https://city.example/tra-cuu (?ma=CODE is appended; empty: the QR holds "
            "the receipt code for a kiosk's scanner only)", pattern=r"(https?://[^\s?#]+)?"),
    Setting("ui.language", str, "language a session starts in", choices=("vi", "en")),
    Setting("ui.idle_seconds", int, "seconds without a touch before asking 'need more time?'",
            minimum=15, maximum=600),
    # At least 20 s: an elderly citizen needs time to notice, read or hear, and answer.
    Setting("ui.idle_warning_seconds", int, "seconds the 'need more time?' prompt stays",
            minimum=20, maximum=120),
    Setting("ui.large_text", bool, "start with large text"),
    Setting("ui.high_contrast", bool, "start in high contrast"),
    Setting("ui.screen_ppi", int,
            "screen pixels per inch (21.5-inch 1080p panel: 102); touch targets are checked "
            "against 9 mm at it", minimum=40, maximum=600),
    Setting("printer.driver", str, "receipt printer transport",
            choices=("none", "usb", "serial", "network", "file", "fake")),
    Setting("printer.width_dots", int, "printable width in dots (384: 58 mm, 576: 80 mm)",
            choices=(384, 576)),
    Setting("printer.profile", str, "python-escpos printer profile (docs/printing.md)",
            pattern=r"[A-Za-z0-9_.-]{1,40}"),
    Setting("printer.usb_vendor_id", int, "USB printer vendor id (0: any USB printer)",
            minimum=0, maximum=65535),
    Setting("printer.usb_product_id", int, "USB printer product id (0: any)",
            minimum=0, maximum=65535),
    Setting("printer.serial_device", str, "serial printer device",
            pattern=r"/dev/[A-Za-z0-9_./-]+"),
    Setting("printer.baudrate", int, "serial printer speed",
            choices=(9600, 19200, 38400, 57600, 115200)),
    Setting("printer.host", str, "network printer host name or address (empty: not set)",
            pattern=r"[A-Za-z0-9.:-]{0,253}"),
    Setting("printer.port", int, "network printer TCP port (raw ESC/POS)",
            minimum=1, maximum=65535),
    Setting("printer.output_dir", str, "file printer folder (empty: data directory/printed)",
            pattern=r"(/.*)?"),
    Setting("printer.timeout_ms", int, "longest wait for one exchange with the printer",
            minimum=100, maximum=5000),
    Setting("printer.job_expiry_minutes", int, "minutes an unprinted slip is retried",
            minimum=1, maximum=1440),
    Setting("scanner.driver", str,
            "code reader: USB scanner in serial (recommended) or keyboard mode, USB camera, "
            "Pi camera; images and fake are simulated (docs/scanning.md)",
            choices=("none", "serial", "keyboard", "camera", "picamera", "images", "fake")),
    Setting("scanner.decoder", str, "QR decoder for the camera (auto: the best available)",
            choices=("auto", "zxing", "pyzbar")),
    Setting("scanner.serial_device", str, "serial-mode scanner device",
            pattern=r"/dev/[A-Za-z0-9_./:-]+"),
    Setting("scanner.baudrate", int, "serial-mode scanner speed (ignored by USB CDC scanners)",
            choices=(9600, 19200, 38400, 57600, 115200)),
    Setting("scanner.keyboard_device", str,
            "keyboard-mode scanner input device, e.g. /dev/input/by-id/usb-...-event-kbd "
            "(empty: not set)", pattern=r"(/dev/input/[A-Za-z0-9_./:-]+)?"),
    Setting("scanner.camera_index", int, "USB camera number (N in /dev/videoN)",
            minimum=0, maximum=63),
    Setting("scanner.image_folder", str,
            "folder of pictures read by the images driver (relative: in the data directory)",
            pattern=r"[^\x00]{0,400}"),
    Setting("scanner.repeat_seconds", int,
            "seconds within which the same code seen again is reported once",
            minimum=1, maximum=60),
    Setting("sync.backend_url", str, "city backend base URL (empty: not configured)",
            pattern=r"(https?://[^\s]+)?"),
    Setting("sync.interval_seconds", int, "seconds between sync rounds when idle",
            minimum=5, maximum=3600),
    Setting("sync.token", str,
            "this kiosk's secret token at the backend (from 'kiosk backend add-kiosk'; "
            "empty: not enrolled)", pattern=r"([A-Za-z0-9_-]{16,200})?", secret=True),
    Setting("sync.backend_public_key", str,
            "the backend's public key that seals citizens' personal data (base64, from "
            "'kiosk backend keygen'; empty: intakes with an ID card are refused)",
            pattern=r"([A-Za-z0-9+/]{43}=)?"),
    Setting("sync.card_lookup_key", str,
            "the city's key for 'scan your ID card to see your applications' (KEY_ID:HEX, "
            "from 'kiosk provision'; empty: the status screen cannot look up by card)",
            pattern=r"([a-z0-9-]{1,40}:[0-9a-f]{64})?", secret=True),
    Setting("sync.batch_size", int, "submissions sent in one request",
            minimum=1, maximum=500),
    Setting("sync.connect_timeout", int, "seconds to wait for the backend to accept a connection",
            minimum=1, maximum=60),
    Setting("sync.read_timeout", int, "seconds to wait for the backend's answer",
            minimum=1, maximum=300),
    Setting("sync.max_backoff_seconds", int,
            "longest wait between retries while the backend is unreachable",
            minimum=1, maximum=3600),
    Setting("sync.heartbeat_seconds", int, "seconds between heartbeats to the backend",
            minimum=10, maximum=3600),
    Setting("update.channel", str, "the release channel this kiosk follows (docs/updates.md)",
            pattern=r"[a-z][a-z0-9-]{0,31}"),
    Setting("update.release_keys", str,
            "public keys whose signed releases this kiosk installs (base64 Ed25519, from "
            "'kiosk release keygen', separated by spaces; empty: updates are refused)",
            pattern=r"([A-Za-z0-9+/]{43}=([ ,]+[A-Za-z0-9+/]{43}=)*)?"),
    Setting("update.root", str, "where release environments and the 'current' link live",
            pattern=r"/[^\x00]{0,400}"),
    Setting("hub.url", str, "the service point's hub, e.g. http://192.168.1.10:8770 (empty: no "
            "hub; the queue comes from the city)", pattern=r"(https?://[^\s]+)?"),
    Setting("hub.token", str, "this kiosk's token at the hub (from 'kiosk hub add-kiosk')",
            pattern=r"([A-Za-z0-9_-]{16,200})?", secret=True),
    Setting("hub.city_url", str, "on the hub box: the city backend its queue events and the "
            "tickets' public queue state go to (empty: kept at the hub)",
            pattern=r"(https?://[^\s]+)?"),
    Setting("hub.city_token", str, "on the hub box: its token at the city (from 'kiosk "
            "backend add-hub'; not a kiosk's token)", pattern=r"([A-Za-z0-9_-]{16,200})?",
            secret=True),
    Setting("hub.interval_seconds", int, "seconds between rounds with the hub (tickets in, "
            "live queue back)", minimum=1, maximum=300),
    Setting("queue.ticket_page_url", str,
            "where a ticket's QR leads: the city's phone page of tickets, e.g. "
            "https://city.example/ve/ (the ticket's token is appended; empty: the QR holds "
            "the ticket's receipt code)", pattern=r"(https?://[^\s?#]+)?"),
    Setting("queue.max_age_minutes", int,
            "minutes a queue published by the back office is shown as people ahead and "
            "estimated wait (older: not shown)", minimum=1, maximum=240),
    Setting("speech.engine", str,
            "the voice: espeak-ng's (Debian package), an operator-installed Piper voice, "
            "fake (a tone, for tests) or none (silent); docs/speech.md",
            choices=("espeak", "piper", "fake", "none")),
    Setting("speech.output", str,
            "where sound goes: alsa (the sound card, through aplay), file (each sound saved "
            "as a WAV in the data directory's spoken/ folder: demo mode and listening "
            "checks) or none", choices=("alsa", "file", "none")),
    Setting("speech.voice", str, "espeak-ng voice for Vietnamese (vi: the northern voice)",
            pattern=r"[A-Za-z0-9_+-]{1,40}"),
    Setting("speech.voice_en", str, "espeak-ng voice for English",
            pattern=r"[A-Za-z0-9_+-]{1,40}"),
    Setting("speech.rate", int, "speaking speed in words per minute (espeak-ng's 175 is "
            "brisk; Piper's speed is scaled from it)", minimum=80, maximum=300),
    Setting("speech.volume", int, "loudness of speech and chime, percent", minimum=0,
            maximum=100),
    Setting("speech.chime", bool, "play a two-tone chime before each queue call"),
    Setting("speech.device", str, "ALSA device of the loudspeaker (aplay -L lists them)",
            pattern=r"[A-Za-z0-9_:=,.-]{1,80}"),
    Setting("speech.headphones", bool,
            "headphone mode: the kiosk's voice goes to speech.headphone_device at "
            "speech.headphone_volume instead of the loudspeaker"),
    Setting("speech.headphone_device", str, "ALSA device of the headphone jack",
            pattern=r"[A-Za-z0-9_:=,.-]{1,80}"),
    Setting("speech.headphone_volume", int, "loudness in headphone mode, percent",
            minimum=0, maximum=100),
    Setting("speech.touch_sound", bool, "a short click when the screen is touched"),
    Setting("speech.error_sound", bool, "a short tone when something goes wrong"),
    Setting("speech.zero_tens", str,
            "word for a zero tens digit: linh (Hanoi: 105 'một trăm linh năm') or lẻ",
            choices=("linh", "lẻ")),
    Setting("speech.piper_binary", str,
            "the piper program (a name is looked up on PATH)",
            pattern=r"[^\x00]{1,400}"),
    Setting("speech.piper_model", str,
            "Piper voice for Vietnamese: path of its .onnx file, with the .onnx.json beside "
            "it (empty: not set)", pattern=r"(/[^\x00]*\.onnx)?"),
    Setting("speech.piper_model_en", str,
            "Piper voice for English, .onnx path (empty: English is not spoken with Piper)",
            pattern=r"(/[^\x00]*\.onnx)?"),
    Setting("technician.pin_hash", str,
            "scrypt hash of the technician PIN (set with 'kiosk technician set-pin')",
            pattern=r"(scrypt\$[0-9]+\$[0-9]+\$[0-9]+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+)?"),
    Setting("privacy.retention_days", int,
            "days personal data of acknowledged submissions is kept before it is purged",
            minimum=0, maximum=365),
)

SETTINGS_BY_KEY: Mapping[str, Setting] = {setting.key: setting for setting in SETTINGS}


@dataclass(frozen=True)
class Config:
    """The effective configuration and where each value came from."""

    values: Mapping[str, Value]
    sources: Mapping[str, str]
    data_dir: Path
    demo: bool

    @property
    def database_path(self) -> Path:
        """The kiosk's SQLite database."""
        return self.data_dir / DATABASE_FILE

    @property
    def technician_path(self) -> Path:
        """The technician layer file."""
        return self.data_dir / TECHNICIAN_FILE

    def text(self, key: str) -> str:
        """The value of a text setting."""
        value = self.values[key]
        assert isinstance(value, str), key
        return value

    def number(self, key: str) -> int:
        """The value of an integer setting."""
        value = self.values[key]
        assert isinstance(value, int) and not isinstance(value, bool), key
        return value

    def flag(self, key: str) -> bool:
        """The value of a true/false setting."""
        value = self.values[key]
        assert isinstance(value, bool), key
        return value


def _flatten(table: Mapping[str, object], origin: str, prefix: str = "") -> dict[str, object]:
    flat: dict[str, object] = {}
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict):
            flat.update(_flatten(value, origin, f"{key}."))
        else:
            flat[key] = value
    return flat


def parse_layer(text: str, origin: str) -> dict[str, Value]:
    """Checked settings from TOML ``text``; ``origin`` names the file in errors."""
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{origin}: not valid TOML: {error}") from error
    checked: dict[str, Value] = {}
    for key, value in _flatten(table, origin).items():
        setting = SETTINGS_BY_KEY.get(key)
        if setting is None:
            raise ConfigError(f"{origin}: unknown key {key!r} (known keys: kiosk config show)")
        try:
            checked[key] = setting.check(value)
        except ValueError as error:
            raise ConfigError(
                f"{origin}: {key} = {value!r} is not allowed: must be {error}"
            ) from None
    return checked


def _read_layer(path: Path) -> dict[str, Value]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: not UTF-8 text: {error}") from error
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read: {error.strerror}") from error
    return parse_layer(text, str(path))


def _packaged_layer(name: str) -> dict[str, Value]:
    text = resources.files("kiosk.data").joinpath(name).read_text(encoding="utf-8")
    return parse_layer(text, f"packaged {name}")


def default_data_dir(*, demo: bool, environ: Mapping[str, str]) -> Path:
    """Where the database, technician layer and printed previews live."""
    if environ.get("KIOSK_DATA_DIR"):
        return Path(environ["KIOSK_DATA_DIR"])
    if demo:
        base = environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        return Path(base) / "motcua-kiosk-demo"
    return PRODUCTION_DATA_DIR


def load_config(*, demo: bool = False, environ: Mapping[str, str] | None = None) -> Config:
    """The effective configuration from all layers (see the module docstring)."""
    env = os.environ if environ is None else environ
    data_dir = default_data_dir(demo=demo, environ=env)
    values: dict[str, Value] = {}
    sources: dict[str, str] = {}

    def apply(layer: Mapping[str, Value], origin: str) -> None:
        values.update(layer)
        sources.update(dict.fromkeys(layer, origin))

    defaults = _packaged_layer("defaults.toml")
    missing = sorted(set(SETTINGS_BY_KEY) - set(defaults))
    if missing:
        raise ConfigError(f"packaged defaults.toml: no default for {', '.join(missing)}")
    apply(defaults, "default")
    if demo:
        apply(_packaged_layer("demo.toml"), "demo")

    named = env.get("KIOSK_CONFIG")
    if named:
        system = Path(named)
        if not system.is_file():
            raise ConfigError(f"KIOSK_CONFIG names {system}, which is not a file")
        apply(_read_layer(system), str(system))
    elif not demo and SYSTEM_CONFIG.is_file():
        apply(_read_layer(SYSTEM_CONFIG), str(SYSTEM_CONFIG))

    technician = data_dir / TECHNICIAN_FILE
    if technician.is_file():
        apply(_read_layer(technician), str(technician))
    return Config(values=values, sources=sources, data_dir=data_dir, demo=demo)


def shown(setting: Setting, value: Value) -> Value:
    """``value`` as it may be displayed: a secret shows only its last 4 characters."""
    if setting.secret and isinstance(value, str) and value:
        return "*" * 8 + value[-4:]
    return value


def parse_value(key: str, text: str) -> Value:
    """A value for ``key`` from what a technician typed ("90", "true", "file")."""
    setting = SETTINGS_BY_KEY.get(key)
    if setting is None:
        raise ConfigError(f"unknown key {key!r} (known keys: kiosk config show)")
    value: object = text
    if setting.kind is bool:
        value = {"true": True, "false": False}.get(text.strip().lower(), text)
    elif setting.kind is int:
        try:
            value = int(text)
        except ValueError:
            value = text
    try:
        return setting.check(value)
    except ValueError as error:
        raise ConfigError(f"{key} = {text!r} is not allowed: must be {error}") from None


def render_layer(values: Mapping[str, Value]) -> str:
    """TOML text for a layer of settings (keys grouped by section, in declared order)."""
    lines: list[str] = []
    section = None
    for setting in SETTINGS:
        if setting.key not in values:
            continue
        table, name = setting.key.split(".", 1)
        if table != section:
            lines.append(("\n" if lines else "") + f"[{table}]")
            section = table
        value = values[setting.key]
        # JSON strings and numbers are valid TOML basic strings and integers.
        rendered = ("true" if value else "false") if isinstance(value, bool) else json.dumps(
            value, ensure_ascii=False
        )
        lines.append(f"{name} = {rendered}")
    return "\n".join(lines) + "\n"


def write_technician_layer(config: Config, changes: Mapping[str, Value]) -> Path:
    """Merge ``changes`` into the technician layer, atomically; returns the file.

    The file is written beside itself, flushed to disk and renamed over the old one, so a
    power cut leaves either the old layer or the new one, never half of it.
    """
    path = config.technician_path
    current = _read_layer(path) if path.is_file() else {}
    text = render_layer({**current, **changes})
    parse_layer(text, str(path))  # never write what would not load again
    write_layer_file(path, text)
    return path


def write_layer_file(path: Path, text: str, mode: int | None = None) -> None:
    """Write a settings file atomically: beside itself, flushed to disk, renamed over the
    old one (its folder synced too), so a power cut leaves the old file or the new one,
    never half of it. ``mode`` sets the new file's permissions (mkstemp's are 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-",
                                         suffix=path.suffix)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        if mode is not None:
            Path(temporary).chmod(mode)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def service_home(explicit: Path | None, variable: str, demo_home: Path | None,
                 production: Path) -> Path:
    """A server's state directory (the city backend's, the hub's): ``--home`` if given,
    else ``$variable`` if set, else ``demo_home`` in demo mode, else ``production``."""
    if explicit is not None:
        return explicit
    if os.environ.get(variable):
        return Path(os.environ[variable])
    return demo_home if demo_home is not None else production
