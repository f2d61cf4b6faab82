"""The wall's modules: each turns one ``ops_center.queries`` result into Dash components."""
