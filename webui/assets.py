"""The shared static files and templates of our web pages (see :mod:`webui`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape

#: The vendored assets and our shared stylesheet (webui/static/README.md lists them).
STATIC_DIR = Path(__file__).with_name("static")
#: The base layout every page extends (``{% extends "base.html" %}``).
TEMPLATES_DIR = Path(__file__).with_name("templates")
#: Where :func:`mount_static` serves STATIC_DIR.
STATIC_PATH = "/static"


def mount_static(app: FastAPI) -> None:
    """Serve the shared assets at ``/static`` (htmx, the SSE extension, base.css)."""
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="static")


def template_environment(own_templates: Sequence[Path]) -> Environment:
    """A Jinja2 environment over a server's own templates, then the shared base layout.

    Autoescaping is on for HTML: citizens' text (feedback, names) is never markup.
    """
    loader = FileSystemLoader([*map(str, own_templates), str(TEMPLATES_DIR)])
    return Environment(loader=loader, autoescape=select_autoescape(["html", "xml"]))
