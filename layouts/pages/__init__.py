"""The app's pages: the wall (``/``) and the alarm list (``/alarms``)."""
