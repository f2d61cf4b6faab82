"""Security headers on every response of the web server.

A Content-Security-Policy the wall works under: scripts only from this site plus the hashes of the
few inline scripts the page itself carries (Dash's renderer start, given by the app factory), no
plugins, no framing (``frame-ancestors 'none'``), forms posted only here; styles may be inline
(Plotly and Dash set them at run time), pictures may be ``data:`` (the site plan). Beside it:
``nosniff`` and a referrer policy that sends no path to other sites. (The server banner is the WSGI
server's: ``web.serve`` names it without software or version.)
"""

from __future__ import annotations

from collections.abc import Sequence

import flask


def content_security_policy(script_hashes: Sequence[str]) -> str:
    """The policy, allowing the inline scripts whose CSP hashes are ``script_hashes``."""
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "media-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def install_security_headers(server: flask.Flask, script_hashes: Sequence[str] = ()) -> None:
    """Add the security headers to every response ``server`` gives (pages, data, media, errors)."""
    headers = {
        "Content-Security-Policy": content_security_policy(script_hashes),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",  # for browsers older than frame-ancestors
    }

    @server.after_request
    def secure(response: flask.Response) -> flask.Response:
        response.headers.update(headers)
        return response
