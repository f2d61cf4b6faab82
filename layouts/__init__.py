"""The Dash side of Ops Center: the app factory, pages, panels, the alarm popup and i18n.

Never imports cv2 or ultralytics; reads the store through ``ops_center.queries`` and acts on alarms
through ``ops_center.alarm_actions``.
"""
