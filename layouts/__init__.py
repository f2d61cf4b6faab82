"""The Dash side of Ops Center: the app factory, pages, panels, the alarm popup and i18n.

Never imports cv2 or ultralytics; reads the store only through ``ops_center.queries``.
"""
