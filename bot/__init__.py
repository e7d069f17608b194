"""整改助手: the application (wiring, CLI, services)."""
