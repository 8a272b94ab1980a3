"""Page models: what templates show, computed from the engine's answers."""
