"""The LLM path and the brief contract: grounding, attribution, the request and its reply."""
