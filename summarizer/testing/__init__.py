"""Test support shipped with the package: the scripted OpenAI-compatible server on 127.0.0.1
(`server.py`) and starting and stopping `summarizer worker` processes (`workers.py`)."""
