"""The python-telegram-bot layer: thin handlers over the engine (see app.build_application)."""
