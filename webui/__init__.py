"""What our web pages share: the vendored browser assets, the base layout and its styles.

The servers (the city office, the service-point hub) render their pages with Jinja2 from
their own templates plus the base layout here (``webui/templates/base.html``), and serve
``webui/static`` under ``/static`` (:func:`webui.assets.mount_static`): htmx and its SSE
extension come from this package, never from a CDN, so a page works on a LAN with no
internet.
"""
