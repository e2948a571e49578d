"""The one place that wires the layers: the CLI now, the HTTP API and the LLM backends later."""
