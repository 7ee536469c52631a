"""Every string on the screens is marked for translation, and Vietnamese has all of them."""

from __future__ import annotations

import gettext
import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

SCREENS = Path(__file__).parents[1] / "screens"
#: The kinds of submission mark their next-step text for the done screen.
KINDS = Path(__file__).parents[1] / "kiosk" / "kinds"
LOCALE = SCREENS / "locale"
PO = LOCALE / "vi" / "LC_MESSAGES" / "kiosk.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def extracted_ids(tmp_path: Path) -> set[str | tuple[str, ...]]:
    """The message ids pybabel finds in screens/ and kiosk/kinds/ now."""
    pot = tmp_path / "kiosk.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "_", "-k", "N_", "-k", "ngettext:1,2", "-o", str(pot), ".", str(KINDS)],
        cwd=SCREENS, check=True, capture_output=True,
    )  # fmt: skip
    with pot.open("rb") as stream:
        return {message.id for message in read_po(stream) if message.id}


def test_every_marked_string_has_a_vietnamese_translation(tmp_path: Path) -> None:
    # GIVEN the strings marked in the screens and the Vietnamese catalog
    with PO.open("rb") as stream:
        catalog = read_po(stream, locale="vi")
    translated = {m.id: m.string for m in catalog if m.id and not m.fuzzy}
    # THEN each marked string is translated, and none is left over
    ids = extracted_ids(tmp_path)
    missing = sorted(str(i) for i in ids if not translated.get(i))
    assert missing == []
    assert sorted(str(i) for i in set(translated) - ids) == []


def test_translations_keep_their_placeholders() -> None:
    with PO.open("rb") as stream:
        catalog = read_po(stream, locale="vi")
    for message in catalog:
        if not message.id:
            continue
        source = message.id[0] if isinstance(message.id, tuple) else message.id
        target = message.string[0] if isinstance(message.string, tuple) else message.string
        assert set(PLACEHOLDER.findall(source)) == set(PLACEHOLDER.findall(target)), source


def test_compiled_catalog_matches_the_po_file() -> None:
    # The .mo the kiosk loads says what the .po says (scripts/setup compiles it).
    with PO.open("rb") as stream:
        catalog = read_po(stream, locale="vi")
    with MO.open("rb") as stream:
        compiled = gettext.GNUTranslations(stream)
    for message in catalog:
        if message.id and not isinstance(message.id, tuple):
            assert compiled.gettext(message.id) == message.string, message.id
    assert compiled.ngettext("{count} procedure", "{count} procedures", 5) == "{count} thủ tục"


def test_no_string_is_hard_coded_in_a_kv_file() -> None:
    # A .kv text is either translated, a value from the code, or a proper name.
    allowed = {'"Tiếng Việt"', '"English"', '"Demo"', '""', '"‹  "', '"|"', '"✓"',
               '"\\n"', '"Nguyễn Văn An"', '"Trần Thị Bình"'}  # names, a line break
    for path in sorted(SCREENS.glob("*.kv")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            stripped = line.strip()
            if not stripped.startswith(("text:", "title:", "subtitle:", "placeholder:")):
                continue
            for literal in re.findall(r'"[^"]*"', stripped):
                if f"_({literal}" in stripped or f"ngettext({literal}" in stripped:
                    continue
                if literal in allowed or "{" in literal or re.fullmatch(r'"[a-z_]+"', literal):
                    continue  # allowed, a format string, or an option value ("code")
                raise AssertionError(f"{path.name}:{number}: {literal} is not translated")
