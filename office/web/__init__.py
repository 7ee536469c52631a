"""The city back office's web pages: sign-in, the inbox, cases, exports, the audit log, and
the citizen's public status page. Server-rendered (Jinja2 + htmx from :mod:`webui`),
Vietnamese, every asset served by this server.

:func:`office.web.app.install` adds them to the backend's FastAPI app; docs/back-office.md
shows the pages and the roles.
"""
