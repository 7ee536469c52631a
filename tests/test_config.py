"""Layered configuration and its error messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import SETTINGS, ConfigError, load_config, parse_layer


def test_defaults_declare_every_key(tmp_path: Path) -> None:
    config = load_config(environ={"KIOSK_DATA_DIR": str(tmp_path)})
    assert set(config.values) == {setting.key for setting in SETTINGS}
    assert config.number("ui.idle_seconds") == 60
    assert config.text("printer.driver") == "none"
    assert config.sources["ui.idle_seconds"] == "default"
    assert config.data_dir == tmp_path
    assert config.database_path == tmp_path / "kiosk.sqlite3"


def test_layers_apply_in_order(tmp_path: Path) -> None:
    system = tmp_path / "kiosk.toml"
    system.write_text('[kiosk]\nid = "HN-00004-K2"\n[ui]\nidle_seconds = 90\n')
    data = tmp_path / "data"
    data.mkdir()
    (data / "technician.toml").write_text("[ui]\nidle_seconds = 120\n")
    config = load_config(
        demo=True, environ={"KIOSK_CONFIG": str(system), "KIOSK_DATA_DIR": str(data)}
    )
    assert config.text("printer.driver") == "file"  # demo layer
    assert config.sources["printer.driver"] == "demo"
    assert config.text("kiosk.id") == "HN-00004-K2"  # system file over demo
    assert config.number("ui.idle_seconds") == 120  # technician over system
    assert config.sources["ui.idle_seconds"] == str(data / "technician.toml")


def test_demo_data_dir_is_per_user(tmp_path: Path) -> None:
    config = load_config(demo=True, environ={"XDG_DATA_HOME": str(tmp_path)})
    assert config.data_dir == tmp_path / "motcua-kiosk-demo"
    assert load_config(environ={}).data_dir == Path("/var/lib/motcua-kiosk")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[ui]\nidle_seconds = 5\n",
         "site.toml: ui.idle_seconds = 5 is not allowed: must be an integer >= 15, <= 600"),
        ("[ui]\nidle_second = 50\n",
         "site.toml: unknown key 'ui.idle_second' (known keys: kiosk config show)"),
        ("[printer]\nwidth_dots = 500\n",
         "site.toml: printer.width_dots = 500 is not allowed: must be one of 384, 576"),
        ("[ui]\nlarge_text = 1\n",
         "site.toml: ui.large_text = 1 is not allowed: must be true or false"),
        ("[ui]\nidle_seconds = true\n",
         "site.toml: ui.idle_seconds = True is not allowed: must be an integer >= 15, <= 600"),
        ('[kiosk]\nqueue_prefix = "12"\n',
         "site.toml: kiosk.queue_prefix = '12' is not allowed: must be text matching [1-9A-Z]"),
        ('[sync]\nbackend_url = "ftp://x"\n',
         "site.toml: sync.backend_url = 'ftp://x' is not allowed: must be text matching "
         "(https?://[^\\s]+)?"),
    ],
)
def test_a_bad_value_names_file_key_value_and_what_is_allowed(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_layer(text, "site.toml")
    assert str(error.value) == message


def test_broken_toml_and_missing_named_file_are_reported(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[ui\n")
    with pytest.raises(ConfigError, match=f"{broken}: not valid TOML"):
        load_config(environ={"KIOSK_CONFIG": str(broken), "KIOSK_DATA_DIR": str(tmp_path)})
    with pytest.raises(ConfigError, match=r"KIOSK_CONFIG names /nonexistent\.toml, which is not"):
        load_config(environ={"KIOSK_CONFIG": "/nonexistent.toml"})
