"""Qt pieces shared by the screens: the session bridge, workers, skeleton painter, forms."""
