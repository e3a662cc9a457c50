"""Test support shipped with the package: the scripted OpenAI-compatible server (127.0.0.1)."""
