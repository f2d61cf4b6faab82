"""The web server's own pieces on the dashboard's Flask server: the login gate, the ingest API and
the media routes.

Imports run ``layouts -> web -> ops_center``: the Dash side uses ``web.auth`` for who is logged in
(``current_principal``, ``require_action``); ``web`` never imports Dash or the pages, and learns which
pages exist (and what each needs) from the app factory that installs it.
"""
