"""The clinician web app: a thin face over the pathway service and the registry (DESIGN §13).

``create_app(settings)`` (in :mod:`myoscope.web.app`) builds the app; nothing is created at
import time. Pages are rendered on the server (Jinja2) and work without JavaScript; charts are
SVG rendered on the server. Needs the ``web`` extra.
"""
